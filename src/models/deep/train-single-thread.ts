import { InterruptedError } from '../../core/errors.js';
import type { TrainInput, TrainOptions } from '../classifier.js';
import type { OnnxClassifier } from '../onnx/onnx-classifier.js';
import { TokenEncoder } from '../onnx/token-encoder.js';
import { ADAM_DEFAULTS } from './adam.js';
import { checkTrainInput } from './check-input.js';
import { priorCorrectedBias } from './prior-correction.js';
import { decayedAdam, oversampled } from './rebalance.js';
import { adamOf, classWeights, type DeepCommonParams } from './params.js';
import { servedWeights, singleThreadClassifier, type SingleThreadKind } from './single-thread-kind.js';
import { runDeepTraining } from './train-loop.js';
import { onnxAccuracy } from './validate-onnx.js';
import { epochsToRun } from './refit-epochs.js';
import { withHeldOutChoices } from '../held-out-choices.js';
import { buildVocab } from './vocab.js';

/**
 * Trains a single-thread deep kind with the loop every deep kind shares (runDeepTraining: shuffled
 * batches, validation through the exported ONNX graph after each epoch, early stopping, the best
 * epoch's weights, abort keeping that epoch; a refit runs options.fixed.epochs). One thread whatever options.threads says, so the
 * artifact trivially does not depend on the thread count.
 */
export async function trainSingleThread<P extends DeepCommonParams, Shape extends { readonly dim: number }, W, S>(
  kind: SingleThreadKind<P, Shape, W, S>, input: TrainInput, options: TrainOptions): Promise<OnnxClassifier> {
  const params = kind.parse(options.params);
  const epochs = epochsToRun(kind.name, options, params.epochs);
  checkTrainInput(kind.name, input);
  if (options.signal?.aborted) throw new InterruptedError(`${kind.name} training`);
  const encoder = new TokenEncoder(kind.spec(params), buildVocab(input.texts, params));
  const { texts, y } = oversampled(input.texts, input.y, params.minPerClass, options.seed);
  const train = kind.encodeTexts(encoder, texts);
  const shape = kind.shape(params, encoder.vocab.length, input.labels.length);
  const weights = kind.init(shape, options.seed);
  const batchSize = Math.min(params.batchSize, texts.length);
  const totalSteps = params.epochs * Math.ceil(texts.length / batchSize);
  const net = kind.net(shape, weights, batchSize, true);
  const weightOf = classWeights(y, input.labels.length, params.classWeightPower);
  const adam = adamOf(params, ADAM_DEFAULTS);
  const lazyEmbedding = params.lazyEmbedding === 1;
  const build = (trained: W): OnnxClassifier => {
    const served = servedWeights(kind, trained, encoder, shape, (bias) => priorCorrectedBias(bias, input.y, params.priorCorrection));
    return singleThreadClassifier(kind, input.labels, params, encoder, served, kind.exportOnnx(shape, served));
  };
  const result = await runDeepTraining({
    kind: kind.name, examples: texts.length, batchSize, epochs, patience: params.patience, seed: options.seed,
    trainBatch: (order, from, count, step) =>
      net.trainStep(train, order, from, count, y, weightOf, params.sparseBelow, decayedAdam(adam, params.lrDecay, step, totalSteps), { seed: options.seed, step, rate: params.dropout }, lazyEmbedding),
    snapshot: () => kind.tensors(weights).map((t) => t.slice()),
    validate: () => onnxAccuracy(build(weights), input.valid.texts, input.valid.y),
  }, options);
  return withHeldOutChoices(build(kind.fromTensors(result.best)), { epochs: result.bestEpoch });
}
