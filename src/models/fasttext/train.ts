import { Worker } from 'node:worker_threads';
import { InputError, InterruptedError, LadingError } from '../../core/errors.js';
import type { TrainInput, TrainOptions } from '../classifier.js';
import { fixedChoices, withHeldOutChoices } from '../held-out-choices.js';
import { BucketFeaturiser } from './featurise.js';
import { FeatureRowsBuilder, type FeatureRows } from './feature-logits.js';
import { FastTextClassifier } from './model.js';
import { parseFastTextParams, type FastTextParams } from './params.js';
import { mix32, mulberry32 } from './seeded-order.js';
import { CONTROL_WORDS, lossBytes, outputMemoryBytes, type SgdDoneMessage, type SgdJob, type SgdProgressMessage } from './sgd-shared.js';
import { roundUp4 } from '../simd/wasm-bytes.js';
import { sharedWasmMemory } from './simd-scores.js';

interface FeaturisedTexts {
  readonly offsets: Int32Array;
  /** Embedding row per feature (rows = touched buckets in ascending order). */
  readonly rows: Int32Array;
  readonly bucketIds: Uint32Array;
  /** Weight of each row inside a text's mean (see FastTextParams.idfPower and charWeight). */
  readonly rowWeights: Float32Array;
  /** The texts' entity-feature tokens (feature-logits.ts); none when the inputs have none. */
  readonly featureRows: FeatureRows;
}

/**
 * Trains the fastText-style classifier with synchronous mini-batch SGD spread over
 * `options.threads` worker threads (see sgd-worker.ts for why it is deterministic). It decides
 * nothing on input.valid (fixed epochs, no calibration), so a refit is the same training on more rows.
 */
export async function trainFastText(input: TrainInput, options: TrainOptions): Promise<FastTextClassifier> {
  const params = parseFastTextParams(options.params);
  fixedChoices('fasttext', options.fixed, []);
  checkInput(input);
  if (options.signal?.aborted) throw new InterruptedError('fasttext training');

  const { offsets, rows, bucketIds, rowWeights, featureRows } = featuriseAll(input.texts, params);
  const { dim } = params;
  const classes = input.labels.length;
  const examples = input.texts.length;
  const batchSize = Math.min(params.batchSize, Math.max(1, examples));
  const threads = Math.max(1, Math.min(Math.floor(options.threads) || 1, batchSize));

  const embedding = sharedF32(bucketIds.length * dim);
  initialiseEmbedding(new Float32Array(embedding), bucketIds, dim, params.initScale, options.seed);
  const job: SgdJob = {
    dim, classes, examples, epochs: params.epochs, batchSize, lr: params.lr, sparseBelow: params.sparseBelow, hiddenNorm: params.hiddenNorm,
    seed: options.seed, threads,
    embedding,
    outputMemory: sharedWasmMemory(outputMemoryBytes(roundUp4(dim), roundUp4(classes), threads, batchSize)),
    dimPadded: roundUp4(dim),
    classesPadded: roundUp4(classes),
    offsets: sharedCopy(offsets),
    features: sharedCopy(rows),
    rowWeights: sharedCopyF32(rowWeights),
    labels: sharedCopy(input.y),
    featureOffsets: sharedCopy(featureRows.offsets),
    featureRows: sharedCopy(featureRows.rows),
    featureLogits: sharedF32(featureRows.bucketIds.length * classes),
    featureLr: params.featureWeight,
    hidden: sharedF32(batchSize * dim),
    hiddenGrad: sharedF32(batchSize * dim),
    coefClass: new SharedArrayBuffer(batchSize * classes * 4),
    coefCount: new SharedArrayBuffer(batchSize * 4),
    loss: new SharedArrayBuffer(lossBytes(batchSize)),
    control: new SharedArrayBuffer(CONTROL_WORDS * 4),
  };
  await runWorkers(job, params, options);
  const trainedEmbedding = new Float32Array(job.embedding);
  const output = unpadOutput(job, dim, classes);
  if (!allFinite(output) || !allFinite(trainedEmbedding)) throw diverged(params);
  const featureLogits = new Float32Array(job.featureLogits);
  if (!allFinite(featureLogits)) throw diverged(params);
  return withHeldOutChoices(new FastTextClassifier(input.labels, params, {
    bucketIds,
    rowWeights,
    ...(params.embeddingBits === 8 ? quantiseRows(trainedEmbedding, dim) : { embedding: trainedEmbedding.slice() }),
    output,
    ...(featureRows.bucketIds.length > 0 ? { featureBucketIds: featureRows.bucketIds, featureLogits: featureLogits.slice() } : {}),
  }), {});
}

function diverged(params: FastTextParams): LadingError {
  return new LadingError('training-diverged', `fasttext training diverged (weights became infinite or NaN) with lr ${params.lr}`,
    { kind: 'fasttext', lr: params.lr, hiddenNorm: params.hiddenNorm }, 'Lower lr (e.g. halve it) and train again.');
}

function checkInput(input: TrainInput): void {
  if (input.texts.length !== input.y.length) {
    throw new InputError('bad-training-input', `fasttext got ${input.texts.length} texts but ${input.y.length} labels`,
      { texts: input.texts.length, labels: input.y.length });
  }
  if (input.texts.length === 0) throw new InputError('bad-training-input', 'fasttext needs at least one training example', {});
  if (input.labels.length === 0) throw new InputError('bad-training-input', 'fasttext needs at least one class', {});
  for (let i = 0; i < input.y.length; i++) {
    const y = input.y[i]!;
    if (y < 0 || y >= input.labels.length) {
      throw new InputError('bad-training-input', `training example ${i} has class id ${y}, outside [0, ${input.labels.length})`,
        { row: i, classId: y });
    }
  }
}

/** Hashes every text once; maps the buckets that occur to dense rows (ascending bucket order). */
function featuriseAll(texts: readonly string[], params: FastTextParams): FeaturisedTexts {
  const featuriser = new BucketFeaturiser(
    { wordNgrams: params.wordNgrams, charMin: params.charMin, charMax: params.charMax, maxTokens: params.maxTokens }, params.buckets, params.featureWeight > 0);
  const offsets = new Int32Array(texts.length + 1);
  const featureRows = new FeatureRowsBuilder(texts.length);
  let ids = new Uint32Array(Math.max(1024, texts.length * 64));
  let total = 0;
  // Document frequency per bucket (lastText dedups repeats inside a text), and whether any word n-gram hashes there.
  const df = new Int32Array(params.buckets);
  const lastText = new Int32Array(params.buckets).fill(-1);
  const wordBucket = new Uint8Array(params.buckets);
  for (let i = 0; i < texts.length; i++) {
    const withFeatures = featuriser.featurise(texts[i]!);
    // Entity-feature tokens come last and go to a table of their own; the text's ids are what they were without them.
    const n = withFeatures - featuriser.featureCount;
    featureRows.add(featuriser.ids.subarray(n, withFeatures));
    if (total + n > ids.length) {
      const grown = new Uint32Array(Math.max(ids.length * 2, total + n));
      grown.set(ids.subarray(0, total));
      ids = grown;
    }
    const fid = featuriser.ids;
    for (let k = 0; k < n; k++) {
      const b = fid[k]!;
      if (lastText[b] !== i) { lastText[b] = i; df[b]!++; }
      if (k < featuriser.wordCount) wordBucket[b] = 1;
    }
    ids.set(fid.subarray(0, n), total);
    total += n;
    offsets[i + 1] = total;
  }
  // Buckets seen fewer than minCount times get no row: their vectors would be trained on one or two
  // examples (noise) and would make the artifact larger.
  const seen = new Int32Array(params.buckets);
  for (let f = 0; f < total; f++) seen[ids[f]!]!++;
  const rowOfBucket = seen;
  let used = 0;
  for (let b = 0; b < params.buckets; b++) rowOfBucket[b] = seen[b]! >= params.minCount ? used++ : -1;
  const bucketIds = new Uint32Array(used);
  for (let b = 0, r = 0; b < params.buckets; b++) if (rowOfBucket[b]! >= 0) bucketIds[r++] = b;
  const rowWeights = new Float32Array(used);
  const docs = texts.length;
  for (let r = 0; r < used; r++) {
    const b = bucketIds[r]!;
    const idf = Math.log((docs + 1) / (df[b]! + 1)) + 1;
    rowWeights[r] = (params.idfPower === 0 ? 1 : idf ** params.idfPower) * (wordBucket[b] === 1 ? 1 : params.charWeight);
  }
  const rows = new Int32Array(total);
  let kept = 0;
  for (let i = 0; i < texts.length; i++) {
    const from = offsets[i]!;
    const to = offsets[i + 1]!;
    offsets[i] = kept;
    for (let f = from; f < to; f++) {
      const r = rowOfBucket[ids[f]!]!;
      if (r >= 0) rows[kept++] = r;
    }
  }
  offsets[texts.length] = kept;
  return { offsets, rows: rows.subarray(0, kept), bucketIds, rowWeights, featureRows: featureRows.build() };
}

/** Uniform in [-1/dim, 1/dim] as fastText; each row seeded by its bucket, so rows never depend on which others exist. */
function initialiseEmbedding(embedding: Float32Array, bucketIds: Uint32Array, dim: number, scale: number, seed: number): void {
  const bound = scale / dim;
  for (let r = 0; r < bucketIds.length; r++) {
    const next = mulberry32(mix32(seed ^ Math.imul(bucketIds[r]!, 0x9e3779b1)));
    for (let j = 0; j < dim; j++) embedding[r * dim + j] = (2 * next() - 1) * bound;
  }
}

/** Symmetric int8 per row: q = round(v / scale), scale = max |v| / 127. */
function quantiseRows(embedding: Float32Array, dim: number): { embedding: Int8Array; rowScales: Float32Array } {
  const rows = embedding.length / dim;
  const q = new Int8Array(embedding.length);
  const rowScales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let j = r * dim; j < (r + 1) * dim; j++) max = Math.max(max, Math.abs(embedding[j]!));
    const scale = max > 0 ? Math.fround(max / 127) : 1;
    rowScales[r] = scale;
    for (let j = r * dim; j < (r + 1) * dim; j++) q[j] = Math.max(-127, Math.min(127, Math.round(embedding[j]! / scale)));
  }
  return { embedding: q, rowScales };
}

function runWorkers(job: SgdJob, params: FastTextParams, options: TrainOptions): Promise<void> {
  const total = params.epochs * job.examples;
  return new Promise<void>((resolve, reject) => {
    const workers: Worker[] = [];
    let finished = 0;
    let reported = 0;
    let settled = false;
    const stopAll = (): void => { for (const w of workers) void w.terminate(); };
    const settle = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      if (error !== undefined) {
        stopAll();
        reject(error);
      } else {
        resolve();
      }
    };
    const onAbort = (): void => settle(new InterruptedError('fasttext training'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    for (let w = 0; w < job.threads; w++) {
      const worker = new Worker(new URL('./sgd-worker.js', import.meta.url), { workerData: { job, worker: w } });
      workers.push(worker);
      worker.on('message', (m: SgdProgressMessage | SgdDoneMessage) => {
        if (settled) return;
        if (m.type === 'progress') {
          // Any worker may report a batch, and two workers' messages can arrive out of order: keep the newest.
          if (m.done <= reported) return;
          reported = m.done;
          try {
            options.onProgress?.({ phase: 'train', done: m.done, total, info: { epoch: m.epoch, loss: m.loss, lr: m.lr } });
          } catch (e) {
            settle(e);
          }
        } else if (++finished === job.threads) {
          settle();
        }
      });
      worker.on('error', (e) => settle(e));
      worker.on('exit', (code) => { if (!settled && code !== 0) settle(new Error(`fasttext SGD worker ${w} exited with code ${code}`)); });
    }
    if (options.signal?.aborted) onAbort();
  });
}

function unpadOutput(job: SgdJob, dim: number, classes: number): Float32Array {
  const padded = new Float32Array(job.outputMemory.buffer, 0, job.dimPadded * job.classesPadded);
  const out = new Float32Array(dim * classes);
  for (let j = 0; j < dim; j++) out.set(padded.subarray(j * job.classesPadded, j * job.classesPadded + classes), j * classes);
  return out;
}

function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}

function sharedF32(length: number): SharedArrayBuffer {
  return new SharedArrayBuffer(Math.max(1, length) * 4);
}

function sharedCopyF32(a: Float32Array): SharedArrayBuffer {
  const s = sharedF32(a.length);
  new Float32Array(s).set(a);
  return s;
}

function sharedCopy(a: Int32Array): SharedArrayBuffer {
  const s = new SharedArrayBuffer(Math.max(1, a.length) * 4);
  new Int32Array(s).set(a);
  return s;
}
