import type { ModelKind } from '../classifier.js';
import { DEEP_PARAM_HELP } from '../deep/param-help.js';
import { loadSingleThread } from '../deep/single-thread-kind.js';
import { LSTM } from './model.js';
import { LSTM_DEFAULTS } from './params.js';
import { trainLstm } from './train.js';

export { LSTM_DEFAULTS, parseLstmParams, type LstmParams } from './params.js';
export { trainLstm } from './train.js';

export const lstmKind: ModelKind = {
  name: 'lstm',
  description: 'LSTM: one recurrent layer over learned word + subword embeddings, last state, dropout, softmax; served as ONNX',
  defaults: { ...LSTM_DEFAULTS },
  paramHelp: { ...DEEP_PARAM_HELP, hidden: 'LSTM state size' },
  refits: true,
  train: trainLstm,
  load: (meta, sections) => loadSingleThread(LSTM, meta, sections),
};
