import type { ModelKind } from '../classifier.js';
import { DEEP_PARAM_HELP } from '../deep/param-help.js';
import { loadSingleThread } from '../deep/single-thread-kind.js';
import { DNN } from './model.js';
import { DNN_DEFAULTS } from './params.js';
import { trainDnn } from './train.js';

export { DNN_DEFAULTS, parseDnnParams, type DnnParams } from './params.js';
export { trainDnn } from './train.js';

export const dnnKind: ModelKind = {
  name: 'dnn',
  description: 'DNN: mean of learned word + subword embeddings, one ReLU hidden layer, dropout, softmax; served as ONNX',
  defaults: { ...DNN_DEFAULTS },
  paramHelp: { ...DEEP_PARAM_HELP, hidden: 'hidden layer width' },
  refits: true,
  train: trainDnn,
  load: (meta, sections) => loadSingleThread(DNN, meta, sections),
};
