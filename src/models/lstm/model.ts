import { encodeTexts } from '../deep/encode-split.js';
import { sequencesOfMatrix, type IdSequences } from '../deep/id-batch.js';
import type { SingleThreadKind } from '../deep/single-thread-kind.js';
import { BAG_ID, PAD_ID, UNK_ID } from '../deep/vocab.js';
import { exportLstmOnnx, importLstmWeights, LSTM_INPUT, LSTM_OUTPUT } from './export-onnx.js';
import { initLstm, LstmNet, lstmTensors, lstmWeightsOf, type LstmShape, type LstmWeights } from './network.js';
import { parseLstmParams, type LstmParams } from './params.js';

/** The LSTM as a single-thread deep kind (see trainSingleThread, loadSingleThread). */
export const LSTM: SingleThreadKind<LstmParams, LstmShape, LstmWeights, IdSequences> = {
  name: 'lstm',
  parse: parseLstmParams,
  legacyParams: {},
  spec: (p) => ({
    inputName: LSTM_INPUT, dtype: 'int32', lowercase: true, tokenise: 'words', maxLength: p.maxLength, minLength: 1, fixedLength: false,
    padding: 'right', padId: PAD_ID, unkId: UNK_ID, subwordN: p.subwordN, bagMinN: 0, bagMaxN: 0, bagId: BAG_ID, outputName: LSTM_OUTPUT, outputKind: 'probabilities',
  }),
  shape: (p, vocab, classes) => ({ vocab, dim: p.dim, hidden: p.hidden, classes, maxLength: p.maxLength }),
  init: initLstm,
  tensors: lstmTensors,
  fromTensors: lstmWeightsOf,
  net: (shape, w, capacity, training) => new LstmNet(shape, w, capacity, training),
  encodeTexts,
  batchSequences: (ids, rows, width) => sequencesOfMatrix(ids, rows, width),
  exportOnnx: exportLstmOnnx,
  importWeights: importLstmWeights,
};
