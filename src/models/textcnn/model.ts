import { slotsOfBatch } from '../deep/slot-sequences.js';
import { OnnxClassifier } from '../onnx/onnx-classifier.js';
import { BAG_ID, PAD_ID, UNK_ID } from '../deep/vocab.js';
import { TokenEncoder, type TokenizerSpec } from '../onnx/token-encoder.js';
import { TEXTCNN_INPUT, TEXTCNN_OUTPUT } from './export-onnx.js';
import { TextCnnNet, type TextCnnShape, type TextCnnWeights } from './network.js';
import { widthsOf, type TextCnnParams } from './params.js';

const INFERENCE_BATCH = 256;

export function textCnnSpec(p: TextCnnParams): TokenizerSpec {
  return {
    inputName: TEXTCNN_INPUT, dtype: 'int32', lowercase: true, tokenise: 'words',
    maxLength: Math.max(p.maxLength, ...widthsOf(p)), minLength: Math.max(...widthsOf(p)), fixedLength: false, padding: 'right',
    padId: PAD_ID, unkId: UNK_ID, subwordN: p.subwordN, bagMinN: p.bagMaxN > 0 ? p.bagMinN : 0, bagMaxN: p.bagMaxN, bagId: BAG_ID, outputName: TEXTCNN_OUTPUT, outputKind: 'probabilities',
  };
}

export function textCnnShape(p: TextCnnParams, vocab: number, classes: number): TextCnnShape {
  return { vocab, dim: p.dim, filters: p.filters, widths: widthsOf(p), classes, maxLength: Math.max(p.maxLength, ...widthsOf(p)), bag: p.bagMaxN > 0, meanPool: p.meanPool === 1 };
}

/**
 * A trained Text-CNN (weights with the bag already folded into the table, see foldBagTable): served by onnxruntime (predictProbaAsync) from the exported graph, with the
 * TypeScript forward pass as the synchronous path and for explanations.
 */
export function textCnnClassifier(labels: readonly string[], params: TextCnnParams, vocab: readonly string[], weights: TextCnnWeights, onnx: Uint8Array): OnnxClassifier {
  const shape = textCnnShape(params, vocab.length, labels.length);
  const net = new TextCnnNet(shape, weights, INFERENCE_BATCH);
  const classes = labels.length;
  return new OnnxClassifier({
    kind: 'textcnn', labels, encoder: new TokenEncoder(textCnnSpec(params), vocab), onnx, params: { ...params },
    syncForward(ids, rows, width, out, bag) {
      const seq = slotsOfBatch(ids, rows, width, PAD_ID, BAG_ID, bag);
      for (let from = 0; from < rows; from += INFERENCE_BATCH) {
        const count = Math.min(INFERENCE_BATCH, rows - from);
        net.forward(seq, null, from, count, null);
        out.set(net.proba.subarray(0, count * classes), from * classes);
      }
    },
  });
}
