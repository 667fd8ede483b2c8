import { bagSpecOf } from '../deep/bag-params.js';
import { encodeTexts } from '../deep/encode-split.js';
import type { SingleThreadKind } from '../deep/single-thread-kind.js';
import { encodeSlotTexts, slotsOfBatch, slotsOfIds, type SlotSequences } from '../deep/slot-sequences.js';
import { BAG_ID, PAD_ID, UNK_ID } from '../deep/vocab.js';
import { DNN_INPUT, DNN_OUTPUT, exportDnnOnnx, importDnnWeights } from './export-onnx.js';
import { DnnNet, dnnTensors, dnnWeightsOf, initDnn, type DnnShape, type DnnWeights } from './network.js';
import { parseDnnParams, type DnnParams } from './params.js';

/** The DNN as a single-thread deep kind (see trainSingleThread, loadSingleThread). */
export const DNN: SingleThreadKind<DnnParams, DnnShape, DnnWeights, SlotSequences> = {
  name: 'dnn',
  parse: parseDnnParams,
  // Artifacts written before bag mode existed have no bagMaxN: they are word-id models.
  legacyParams: { bagMaxN: 0 },
  spec: (p) => ({
    inputName: DNN_INPUT, dtype: 'int32', lowercase: true, tokenise: 'words', maxLength: p.maxLength, minLength: 1, fixedLength: false,
    padding: 'right', padId: PAD_ID, unkId: UNK_ID, subwordN: p.subwordN, ...bagSpecOf(p), bagId: BAG_ID, outputName: DNN_OUTPUT, outputKind: 'probabilities',
  }),
  shape: (p, vocab, classes) => ({ vocab, dim: p.dim, hidden: p.hidden, classes, bag: p.bagMaxN > 0 }),
  init: initDnn,
  tensors: dnnTensors,
  fromTensors: dnnWeightsOf,
  net: (shape, w, capacity, training) => new DnnNet(shape, w, capacity, training),
  encodeTexts: (encoder, texts) => (encoder.bagMode ? encodeSlotTexts(encoder, texts) : slotsOfIds(encodeTexts(encoder, texts))),
  batchSequences: (ids, rows, width, bag) => slotsOfBatch(ids, rows, width, PAD_ID, BAG_ID, bag),
  exportOnnx: exportDnnOnnx,
  importWeights: importDnnWeights,
};
