import { gatherEmbedding } from '../deep/bag-graph.js';
import { attrInt, initializerReader, OnnxGraphBuilder } from '../onnx/onnx-graph.js';
import type { DnnShape, DnnWeights } from './network.js';

export const DNN_INPUT = 'ids';
export const DNN_OUTPUT = 'probabilities';

/**
 * The DNN as ONNX (opset 17): Gather → sum over tokens / max(count, 1) → Gemm → ReLU → Gemm →
 * Softmax. In bag mode the table is the folded one (foldBagTable) and the n-gram rows of unknown
 * words come through the bag inputs (gatherEmbedding).
 */
export function exportDnnOnnx(s: DnnShape, w: DnnWeights): Uint8Array {
  const g = new OnnxGraphBuilder('dnn');
  g.input(DNN_INPUT, 'int32', ['batch', 'seq']);
  g.output(DNN_OUTPUT, 'float', ['batch', s.classes]);
  g.initializer('embedding', [s.vocab, s.dim], w.embedding);
  g.initializer('zero_id', [], Int32Array.of(0));
  g.initializer('axis1', [1], BigInt64Array.of(1n));
  g.initializer('one', [], Float32Array.of(1));
  g.initializer('hidden_w', [s.hidden, s.dim], w.hidden);
  g.initializer('hidden_b', [s.hidden], w.hiddenBias);
  g.initializer('output_w', [s.classes, s.hidden], w.output);
  g.initializer('output_b', [s.classes], w.outputBias);
  g.node('Equal', [DNN_INPUT, 'zero_id'], ['is_pad']);
  g.node('Not', ['is_pad'], ['is_token']);
  g.node('Cast', ['is_token'], ['token_f'], { to: attrInt(1) });
  g.node('ReduceSum', ['token_f', 'axis1'], ['length'], { keepdims: attrInt(1) });
  g.node('Max', ['length', 'one'], ['divisor']);
  gatherEmbedding(g, 'embedding', DNN_INPUT, 'x', s.bag);
  // The padding row of the embedding is zero (and no bag entry points at padding), so summing every position sums the tokens.
  g.node('ReduceSum', ['x', 'axis1'], ['sum'], { keepdims: attrInt(0) });
  g.node('Div', ['sum', 'divisor'], ['mean']);
  g.node('Gemm', ['mean', 'hidden_w', 'hidden_b'], ['pre'], { transB: attrInt(1) });
  g.node('Relu', ['pre'], ['act']);
  g.node('Gemm', ['act', 'output_w', 'output_b'], ['logits'], { transB: attrInt(1) });
  g.node('Softmax', ['logits'], [DNN_OUTPUT], { axis: attrInt(1) });
  return g.toModel({ opset: 17, producer: 'lading-dnn' });
}

export function importDnnWeights(s: DnnShape, model: Uint8Array): DnnWeights {
  const { get } = initializerReader(model, 'dnn');
  return {
    embedding: get('embedding', s.vocab * s.dim), hidden: get('hidden_w', s.hidden * s.dim), hiddenBias: get('hidden_b', s.hidden),
    output: get('output_w', s.classes * s.hidden), outputBias: get('output_b', s.classes),
  };
}
