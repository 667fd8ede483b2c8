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
import { exportDnnOnnx } from './export-onnx.js';
import { dnnClassifier, dnnShape, dnnSpec } from './model.js';
import { DnnNet, dnnTensors, initDnn, type DnnWeights } from './network.js';
import { parseDnnParams } from './params.js';

/** Trains the DNN on one thread (it is cheap); same loop, early stopping and checkpoint as the Text-CNN. */
export async function trainDnn(input: TrainInput, options: TrainOptions): Promise<OnnxClassifier> {
  const params = parseDnnParams(options.params);
  checkTrainInput('dnn', input);
  if (options.signal?.aborted) throw new InterruptedError('dnn training');
  const vocab = buildVocab(input.texts, params);
  const train = encodeTexts(new TokenEncoder(dnnSpec(params), vocab), input.texts);
  const shape = dnnShape(params, vocab.length, input.labels.length);
  const weights = initDnn(shape, options.seed);
  const batchSize = Math.min(params.batchSize, input.texts.length);
  const net = new DnnNet(shape, weights, batchSize, true);
  const weightOf = classWeights(input.y, input.labels.length, params.classWeightPower);
  const adam = { ...ADAM_DEFAULTS, lr: params.lr };
  const build = (w: DnnWeights): OnnxClassifier => dnnClassifier(input.labels, params, vocab, w, exportDnnOnnx(shape, w));
  const result = await runDeepTraining({
    kind: 'dnn', examples: input.texts.length, batchSize, epochs: params.epochs, patience: params.patience, seed: options.seed,
    trainBatch: (order, from, count, step) => net.trainStep(train, order, from, count, input.y, weightOf, params.sparseBelow, adam, { seed: options.seed, step, rate: params.dropout }, params.lazyEmbedding === 1),
    snapshot: () => dnnTensors(weights).map((t) => t.slice()),
    validate: () => onnxAccuracy(build(weights), input.valid.texts, input.valid.y),
  }, options);
  const [embedding, hidden, hiddenBias, output, outputBias] = result.best as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  return build({ embedding, hidden, hiddenBias, output, outputBias });
}
