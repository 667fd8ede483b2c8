import { InterruptedError } from '../../core/errors.js';
import type { TrainInput, TrainOptions } from '../classifier.js';
import { ADAM_DEFAULTS } from '../deep/adam.js';
import { checkTrainInput } from '../deep/check-input.js';
import { encodeTexts } from '../deep/encode-split.js';
import { classWeights } from '../deep/params.js';
import { runDeepTraining } from '../deep/train-loop.js';
import { onnxAccuracy } from '../deep/validate-onnx.js';
import { buildVocab } from '../deep/vocab.js';
import type { OnnxClassifier } from '../onnx/onnx-classifier.js';
import { TokenEncoder } from '../onnx/token-encoder.js';
import { exportLstmOnnx } from './export-onnx.js';
import { lstmClassifier, lstmShape, lstmSpec } from './model.js';
import { LstmNet, lstmTensors, initLstm, type LstmWeights } from './network.js';
import { parseLstmParams } from './params.js';

/** Trains the LSTM on one thread; same loop, early stopping and checkpoint as the Text-CNN. */
export async function trainLstm(input: TrainInput, options: TrainOptions): Promise<OnnxClassifier> {
  const params = parseLstmParams(options.params);
  checkTrainInput('lstm', input);
  if (options.signal?.aborted) throw new InterruptedError('lstm training');
  const vocab = buildVocab(input.texts, params);
  const train = encodeTexts(new TokenEncoder(lstmSpec(params), vocab), input.texts);
  const shape = lstmShape(params, vocab.length, input.labels.length);
  const weights = initLstm(shape, options.seed);
  const batchSize = Math.min(params.batchSize, input.texts.length);
  const net = new LstmNet(shape, weights, batchSize, true);
  const weightOf = classWeights(input.y, input.labels.length, params.classWeightPower);
  const adam = { ...ADAM_DEFAULTS, lr: params.lr };
  const build = (w: LstmWeights): OnnxClassifier => lstmClassifier(input.labels, params, vocab, w, exportLstmOnnx(shape, w));
  const result = await runDeepTraining({
    kind: 'lstm', examples: input.texts.length, batchSize, epochs: params.epochs, patience: params.patience, seed: options.seed,
    trainBatch: (order, from, count, step) => net.trainStep(train, order, from, count, input.y, weightOf, params.sparseBelow, adam, { seed: options.seed, step, rate: params.dropout }, params.lazyEmbedding === 1),
    snapshot: () => lstmTensors(weights).map((t) => t.slice()),
    validate: () => onnxAccuracy(build(weights), input.valid.texts, input.valid.y),
  }, options);
  const [embedding, input_, recurrent, bias, output, outputBias] = result.best as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  return build({ embedding, input: input_, recurrent, bias, output, outputBias });
}
