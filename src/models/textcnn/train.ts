import { Worker } from 'node:worker_threads';
import { InterruptedError } from '../../core/errors.js';
import type { TrainInput, TrainOptions } from '../classifier.js';
import { ADAM_DEFAULTS } from '../deep/adam.js';
import { decayedAdam, oversampled } from '../deep/rebalance.js';
import { checkTrainInput } from '../deep/check-input.js';
import { encodeTexts } from '../deep/encode-split.js';
import { foldBagTable } from '../deep/fold-bag.js';
import { priorCorrectedBias } from '../deep/prior-correction.js';
import { encodeSlotTexts, slotsOfIds } from '../deep/slot-sequences.js';
import { adamOf, classWeights } from '../deep/params.js';
import { runDeepTraining } from '../deep/train-loop.js';
import { onnxAccuracy } from '../deep/validate-onnx.js';
import { epochsToRun } from '../deep/refit-epochs.js';
import { withHeldOutChoices } from '../held-out-choices.js';
import { buildVocab } from '../deep/vocab.js';
import type { OnnxClassifier } from '../onnx/onnx-classifier.js';
import { TokenEncoder } from '../onnx/token-encoder.js';
import { exportTextCnnOnnx } from './export-onnx.js';
import { textCnnClassifier, textCnnShape, textCnnSpec } from './model.js';
import { allocGrads, initTextCnn, sharedWeights, TextCnnNet, weightTensors, type TextCnnWeights } from './network.js';
import { TextCnnOptimiser } from './optimiser.js';
import { parseTextCnnParams } from './params.js';
import { C_COUNT, C_DONE, C_FAILED, C_FROM, C_GENERATION, C_STEP, C_STOP, CONTROL_WORDS, SHARDS, shardRange, type ShardJob } from './shard-job.js';

const WORKER_TIMEOUT_MS = 120_000;

/**
 * Trains a Text-CNN on the CPU with hand-written kernels (dense products on WebAssembly SIMD, see
 * deep/matmul.ts), Adam with a decaying rate, dropout, rare classes repeated (deep/rebalance.ts) and
 * early stopping on the validation split (evaluated through the exported ONNX graph, which is
 * what will serve; a refit runs options.fixed.epochs). Each batch is cut into SHARDS fixed shards whose gradients are summed in shard
 * order; with threads >= 2 a worker computes shard 1 while this thread computes shard 0, so the
 * model is byte-identical for any thread count.
 */
export async function trainTextCnn(input: TrainInput, options: TrainOptions): Promise<OnnxClassifier> {
  const params = parseTextCnnParams(options.params);
  const epochs = epochsToRun('textcnn', options, params.epochs);
  checkTrainInput('textcnn', input);
  if (options.signal?.aborted) throw new InterruptedError('textcnn training');
  const vocab = buildVocab(input.texts, params);
  const encoder = new TokenEncoder(textCnnSpec(params), vocab);
  const { texts, y } = oversampled(input.texts, input.y, params.minPerClass, options.seed);
  const train = encoder.bagMode ? encodeSlotTexts(encoder, texts) : slotsOfIds(encodeTexts(encoder, texts));
  const shape = textCnnShape(params, vocab.length, input.labels.length);
  const weights = sharedWeights(initTextCnn(shape, options.seed, params.embeddingScale));
  const batchSize = Math.min(params.batchSize, texts.length);
  const capacity = Math.ceil(batchSize / SHARDS) + 1;
  const grads = Array.from({ length: SHARDS }, () => allocGrads(weights, shape.vocab));
  const weightOf = classWeights(y, input.labels.length, params.classWeightPower);
  const adam = adamOf(params, ADAM_DEFAULTS);
  const totalSteps = params.epochs * Math.ceil(texts.length / batchSize);
  const optimiser = new TextCnnOptimiser(weights, shape.vocab, shape.dim, params.lazyEmbedding === 1);
  const tensors = weightTensors(weights);
  const order = new Int32Array(new SharedArrayBuffer(Math.max(4, texts.length * 4)));
  const control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
  const loss = new Float64Array(new SharedArrayBuffer(SHARDS * 8));
  const shared = {
    slots: sharedInts(train.slots), posStart: sharedInts(train.posStart), starts: sharedInts(train.starts), lengths: sharedInts(train.lengths), y: sharedInts(y),
  };
  const seq = { slots: shared.slots, posStart: shared.posStart, starts: shared.starts, lengths: shared.lengths };
  const useWorker = options.threads >= 2;
  const localShards = useWorker ? [0] : Array.from({ length: SHARDS }, (_, s) => s);
  const nets = localShards.map((s) => new TextCnnNet(shape, weights, capacity, grads[s]));
  const worker = useWorker ? startWorker({
    shape, shard: 1, capacity, seed: options.seed, dropout: params.dropout, wordDropout: params.wordDropout, sparseBelow: params.sparseBelow,
    weights, grads: grads[1]!, ...shared, classWeight: weightOf, order, control, loss,
  }) : undefined;
  const build = (trained: TextCnnWeights): OnnxClassifier => {
    const w = { ...trained, embedding: foldBagTable(trained.embedding, encoder, shape.dim), outputBias: priorCorrectedBias(trained.outputBias, input.y, params.priorCorrection) };
    return textCnnClassifier(input.labels, params, vocab, w, exportTextCnnOnnx(shape, w));
  };

  const trainBatch = (o: Int32Array, from: number, count: number, step: number): number => {
    if (worker) {
      control[C_FROM] = from;
      control[C_COUNT] = count;
      control[C_STEP] = step;
      Atomics.store(control, C_DONE, 0);
      Atomics.add(control, C_GENERATION, 1);
      Atomics.notify(control, C_GENERATION);
    }
    localShards.forEach((s, k) => {
      const [a, b] = shardRange(from, count, s);
      loss[s] = nets[k]!.accumulate(seq, o, a, b - a, count, a - from, shared.y, weightOf, params.sparseBelow, { seed: options.seed, step, rate: params.dropout, wordRate: params.wordDropout }, step);
    });
    if (worker) waitForWorker(control);
    optimiser.apply(grads, decayedAdam(adam, params.lrDecay, step, totalSteps));
    let sum = 0;
    for (let s = 0; s < SHARDS; s++) sum += loss[s]!;
    return sum;
  };

  try {
    const result = await runDeepTraining({
      kind: 'textcnn', examples: texts.length, batchSize, epochs, patience: params.patience, seed: options.seed, order,
      trainBatch,
      snapshot: () => tensors.map((t) => t.slice()),
      validate: () => onnxAccuracy(build(weights), input.valid.texts, input.valid.y),
    }, options);
    const [embedding, ...rest] = result.best;
    const k = shape.widths.length;
    const trained = build({ embedding: embedding!, conv: rest.slice(0, k), convBias: rest.slice(k, 2 * k), output: rest[2 * k]!, outputBias: rest[2 * k + 1]! });
    return withHeldOutChoices(trained, { epochs: result.bestEpoch });
  } finally {
    if (worker) {
      Atomics.store(control, C_STOP, 1);
      Atomics.add(control, C_GENERATION, 1);
      Atomics.notify(control, C_GENERATION);
      void worker.terminate();
    }
  }
}

function startWorker(job: ShardJob): Worker {
  const worker = new Worker(new URL('./train-worker.js', import.meta.url), { workerData: job });
  // Failures surface through the control words (C_FAILED) or the wait timeout.
  worker.on('error', () => { Atomics.store(job.control, C_FAILED, 1); Atomics.add(job.control, C_DONE, 1); Atomics.notify(job.control, C_DONE); });
  worker.unref();
  return worker;
}

/** Blocks until the worker's shard is done (Atomics.wait is allowed on Node's main thread). */
function waitForWorker(control: Int32Array): void {
  const started = Date.now();
  while (Atomics.load(control, C_DONE) < 1) {
    Atomics.wait(control, C_DONE, 0, 50);
    if (Date.now() - started > WORKER_TIMEOUT_MS) throw new Error(`textcnn training worker gave no answer within ${WORKER_TIMEOUT_MS / 1000} s`);
  }
  if (Atomics.load(control, C_FAILED) !== 0) throw new Error('textcnn training worker failed (see its error output above)');
}

function sharedInts(a: Int32Array): Int32Array {
  const s = new Int32Array(new SharedArrayBuffer(Math.max(4, a.byteLength)), 0, a.length);
  s.set(a);
  return s;
}
