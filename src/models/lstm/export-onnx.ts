import { attrInt, attrInts, initializerReader, OnnxGraphBuilder } from '../onnx/onnx-graph.js';
import type { LstmShape, LstmWeights } from './network.js';

export const LSTM_INPUT = 'ids';
export const LSTM_OUTPUT = 'probabilities';

/**
 * The LSTM as ONNX (opset 17): Gather → time-major → ONNX LSTM with sequence_lens = max(token
 * count, 1) (so Y_h is the state after each text's last token) → Gemm → Softmax.
 */
export function exportLstmOnnx(s: LstmShape, w: LstmWeights): Uint8Array {
  const H = s.hidden;
  const g = new OnnxGraphBuilder('lstm');
  g.input(LSTM_INPUT, 'int32', ['batch', 'seq']);
  g.output(LSTM_OUTPUT, 'float', ['batch', s.classes]);
  g.initializer('embedding', [s.vocab, s.dim], w.embedding);
  g.initializer('zero_id', [], Int32Array.of(0));
  g.initializer('one_id', [], Int32Array.of(1));
  g.initializer('axis0', [1], BigInt64Array.of(0n));
  g.initializer('axis1', [1], BigInt64Array.of(1n));
  g.initializer('lstm_w', [1, 4 * H, s.dim], w.input);
  g.initializer('lstm_r', [1, 4 * H, H], w.recurrent);
  const b = new Float32Array(8 * H);
  b.set(w.bias, 0);
  g.initializer('lstm_b', [1, 8 * H], b);
  g.initializer('output_w', [s.classes, H], w.output);
  g.initializer('output_b', [s.classes], w.outputBias);
  g.node('Equal', [LSTM_INPUT, 'zero_id'], ['is_pad']);
  g.node('Not', ['is_pad'], ['is_token']);
  g.node('Cast', ['is_token'], ['token_i'], { to: attrInt(6) });
  g.node('ReduceSum', ['token_i', 'axis1'], ['length'], { keepdims: attrInt(0) });
  g.node('Max', ['length', 'one_id'], ['seq_lens']);
  g.node('Gather', ['embedding', LSTM_INPUT], ['x']);
  g.node('Transpose', ['x'], ['x_t'], { perm: attrInts([1, 0, 2]) });
  g.node('LSTM', ['x_t', 'lstm_w', 'lstm_r', 'lstm_b', 'seq_lens'], ['', 'y_h'], { hidden_size: attrInt(H) });
  g.node('Squeeze', ['y_h', 'axis0'], ['final']);
  g.node('Gemm', ['final', 'output_w', 'output_b'], ['logits'], { transB: attrInt(1) });
  g.node('Softmax', ['logits'], [LSTM_OUTPUT], { axis: attrInt(1) });
  return g.toModel({ opset: 17, producer: 'lading-lstm' });
}

export function importLstmWeights(s: LstmShape, model: Uint8Array): LstmWeights {
  const { get } = initializerReader(model, 'lstm');
  const H = s.hidden;
  return {
    embedding: get('embedding', s.vocab * s.dim), input: get('lstm_w', 4 * H * s.dim), recurrent: get('lstm_r', 4 * H * H),
    bias: get('lstm_b', 8 * H).slice(0, 4 * H), output: get('output_w', s.classes * H), outputBias: get('output_b', s.classes),
  };
}
