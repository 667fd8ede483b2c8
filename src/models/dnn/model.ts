import { sequencesOfMatrix } from '../deep/id-batch.js';
import { BAG_ID, PAD_ID, UNK_ID } from '../deep/vocab.js';
import { OnnxClassifier } from '../onnx/onnx-classifier.js';
import { TokenEncoder, type TokenizerSpec } from '../onnx/token-encoder.js';
import { DNN_INPUT, DNN_OUTPUT } from './export-onnx.js';
import { DnnNet, type DnnShape, type DnnWeights } from './network.js';
import type { DnnParams } from './params.js';

const INFERENCE_BATCH = 256;

export function dnnSpec(p: DnnParams): TokenizerSpec {
  return {
    inputName: DNN_INPUT, dtype: 'int32', lowercase: true, tokenise: 'words', maxLength: p.maxLength, minLength: 1, fixedLength: false,
    padding: 'right', padId: PAD_ID, unkId: UNK_ID, subwordN: p.subwordN, bagMinN: 0, bagMaxN: 0, bagId: BAG_ID, outputName: DNN_OUTPUT, outputKind: 'probabilities',
  };
}

export function dnnShape(p: DnnParams, vocab: number, classes: number): DnnShape {
  return { vocab, dim: p.dim, hidden: p.hidden, classes };
}

export function dnnClassifier(labels: readonly string[], params: DnnParams, vocab: readonly string[], weights: DnnWeights, onnx: Uint8Array): OnnxClassifier {
  const net = new DnnNet(dnnShape(params, vocab.length, labels.length), weights, INFERENCE_BATCH, false);
  const classes = labels.length;
  return new OnnxClassifier({
    kind: 'dnn', labels, encoder: new TokenEncoder(dnnSpec(params), vocab), onnx, params: { ...params },
    syncForward(ids, rows, width, out) {
      for (let from = 0; from < rows; from += INFERENCE_BATCH) {
        const count = Math.min(INFERENCE_BATCH, rows - from);
        net.forward(sequencesOfMatrix(ids.subarray(from * width, (from + count) * width), count, width), null, 0, count, null);
        out.set(net.proba.subarray(0, count * classes), from * classes);
      }
    },
  });
}
