import { sequencesOfMatrix } from '../deep/id-batch.js';
import { BAG_ID, PAD_ID, UNK_ID } from '../deep/vocab.js';
import { OnnxClassifier } from '../onnx/onnx-classifier.js';
import { TokenEncoder, type TokenizerSpec } from '../onnx/token-encoder.js';
import { LSTM_INPUT, LSTM_OUTPUT } from './export-onnx.js';
import { LstmNet, type LstmShape, type LstmWeights } from './network.js';
import type { LstmParams } from './params.js';

const INFERENCE_BATCH = 256;

export function lstmSpec(p: LstmParams): TokenizerSpec {
  return {
    inputName: LSTM_INPUT, dtype: 'int32', lowercase: true, tokenise: 'words', maxLength: p.maxLength, minLength: 1, fixedLength: false,
    padding: 'right', padId: PAD_ID, unkId: UNK_ID, subwordN: p.subwordN, bagMinN: 0, bagMaxN: 0, bagId: BAG_ID, outputName: LSTM_OUTPUT, outputKind: 'probabilities',
  };
}

export function lstmShape(p: LstmParams, vocab: number, classes: number): LstmShape {
  return { vocab, dim: p.dim, hidden: p.hidden, classes, maxLength: p.maxLength };
}

export function lstmClassifier(labels: readonly string[], params: LstmParams, vocab: readonly string[], weights: LstmWeights, onnx: Uint8Array): OnnxClassifier {
  const net = new LstmNet(lstmShape(params, vocab.length, labels.length), weights, INFERENCE_BATCH, false);
  const classes = labels.length;
  return new OnnxClassifier({
    kind: 'lstm', labels, encoder: new TokenEncoder(lstmSpec(params), vocab), onnx, params: { ...params },
    syncForward(ids, rows, width, out) {
      for (let from = 0; from < rows; from += INFERENCE_BATCH) {
        const count = Math.min(INFERENCE_BATCH, rows - from);
        net.forward(sequencesOfMatrix(ids.subarray(from * width, (from + count) * width), count, width), null, 0, count, null);
        out.set(net.proba.subarray(0, count * classes), from * classes);
      }
    },
  });
}
