import { parentPort, workerData } from 'node:worker_threads';
import { addFeatureLogits } from './feature-logits.js';
import { epochOrder } from './seeded-order.js';
import { scoresKernel } from './simd-scores.js';
import { softmaxKernel } from './simd-softmax.js';
import { trainKernels } from './simd-train.js';
import {
  applyChunks, chunkDims, CONTROL_CLAIMED, CONTROL_DONE, coefficientsAt, LOSS_COUNT, LOSS_SUM, outputMemoryBytes, workerScratchAt,
  type SgdDoneMessage, type SgdJob, type SgdProgressMessage,
} from './sgd-shared.js';

/**
 * One SGD worker. Training runs as synchronous mini-batches, each in two phases:
 *
 *  1. compute: every example of the batch is run forward with the parameters as they were at the
 *     start of the batch; its hidden vector, the sparse output-layer coefficients and the gradient
 *     for its embedding rows go into the example's slot.
 *  2. apply: the dimensions are cut into chunks; a chunk's task walks ALL examples of the batch in
 *     order and updates only its dimensions. Each parameter therefore receives the same additions
 *     in the same order whoever runs the task, which makes the result byte-identical for any
 *     thread count.
 *
 * The work is a numbered list of small tasks (one per example slot, then one per chunk, batch after
 * batch) that the workers claim from a shared counter. A task waits only until the tasks of the
 * previous phase are done (a shared count of finished tasks), not until every worker arrives: with
 * fixed slices and a barrier, a worker the OS had descheduled (another process on the core) held
 * every other worker at each of the two barriers of every batch, and on a machine shared with
 * other processes two threads ran slower than one. Now a worker that is on a core takes the tasks
 * the others have not claimed.
 */
const job = workerData as { job: SgdJob; worker: number };
const { dim, classes, examples, epochs, batchSize, sparseBelow, hiddenNorm, seed, threads, dimPadded, classesPadded } = job.job;
const me = job.worker;

const embedding = new Float32Array(job.job.embedding);
const kernel = scoresKernel(outputMemoryBytes(dimPadded, classesPadded, threads, batchSize), job.job.outputMemory);
const simd = trainKernels(kernel.memory);
/** dimPadded × classesPadded; row j starts at j * stride. */
const output = new Float32Array(kernel.memory.buffer, 0, dimPadded * classesPadded);
const stride = classesPadded;
const hiddenAt = workerScratchAt(dimPadded, classesPadded, me);
const scoresAt = hiddenAt + dimPadded * 4;
const kernelHidden = new Float32Array(kernel.memory.buffer, hiddenAt, dimPadded);
const kernelScores = new Float32Array(kernel.memory.buffer, scoresAt, classesPadded);
const softmax = softmaxKernel(kernel.memory);
const offsets = new Int32Array(job.job.offsets);
const features = new Int32Array(job.job.features);
const rowWeights = new Float32Array(job.job.rowWeights);
const labels = new Int32Array(job.job.labels);
const featureOffsets = new Int32Array(job.job.featureOffsets);
const featureRows = new Int32Array(job.job.featureRows);
const featureLogits = new Float32Array(job.job.featureLogits);
/** Per feature row, how many examples of the batch being applied have it. */
const featureUses = new Int32Array(Math.max(1, featureLogits.length / Math.max(1, classes)));
const hiddenAll = new Float32Array(job.job.hidden);
const hiddenGradAll = new Float32Array(job.job.hiddenGrad);
const coefClass = new Int32Array(job.job.coefClass);
const coefAt = coefficientsAt(dimPadded, classesPadded, threads);
/** Per example slot, classesPadded coefficients (the padding stays 0). */
const coefValue = new Float32Array(kernel.memory.buffer, coefAt, batchSize * classesPadded);
const kernelGrad = kernelHidden;
const coefCount = new Int32Array(job.job.coefCount);
const lossAll = new Float64Array(job.job.loss);
const control = new Int32Array(job.job.control);

const hidden = new Float64Array(dim);
const proba = new Float64Array(classes);
const order = new Int32Array(examples);

const chunks = applyChunks(dim, threads);
/** Tasks per batch: one per example slot (slots past a short last batch are empty), then one per chunk. */
const tasksPerBatch = batchSize + chunks;

const SPINS = 4000;
/** The full index of this worker's last claim and the counter word it came from (the shared counters wrap at 2^32). */
let lastClaimFull = 0;
let lastClaimWord = 0;

function claim(): number {
  const word = Atomics.add(control, CONTROL_CLAIMED, 1);
  lastClaimFull += (word - lastClaimWord) >>> 0;
  lastClaimWord = word;
  return lastClaimFull;
}

/** Waits until at least `count` tasks are finished (tasks finish in phase order, so these are the first `count`). */
function awaitDone(count: number): void {
  const target = count | 0; // the low 32 bits, as the shared counter holds them
  for (let s = 0; s < SPINS; s++) if (((Atomics.load(control, CONTROL_DONE) - target) | 0) >= 0) return;
  for (;;) {
    const seen = Atomics.load(control, CONTROL_DONE);
    if (((seen - target) | 0) >= 0) return;
    Atomics.wait(control, CONTROL_DONE, seen);
  }
}

/** Counts a task finished; wakes waiters when it completes a phase (the only counts anyone waits for). */
function finish(phaseEnd: number): void {
  const before = Atomics.add(control, CONTROL_DONE, 1);
  if (((before + 1 - (phaseEnd | 0)) | 0) === 0) Atomics.notify(control, CONTROL_DONE);
}

function computeExample(example: number, slot: number, lr: number): void {
  const from = offsets[example]!;
  const to = offsets[example + 1]!;
  const n = to - from;
  const hOff = slot * dim;
  const cOff = slot * classes;
  const vOff = slot * stride;
  if (n === 0) {
    coefCount[slot] = 0;
    lossAll[slot] = 0;
    return;
  }
  hidden.fill(0);
  let weightSum = 0;
  for (let f = from; f < to; f++) {
    const r = features[f]!;
    const w = rowWeights[r]!;
    weightSum += hiddenNorm === 1 ? w : w * w;
    const row = r * dim;
    for (let j = 0; j < dim; j++) hidden[j] = hidden[j]! + w * embedding[row + j]!;
  }
  // Each row's gradient is its weight times this per-unit-weight gradient.
  const inv = weightSum > 0 ? 1 / (hiddenNorm === 1 ? weightSum : Math.sqrt(weightSum)) : 0;
  for (let j = 0; j < dim; j++) {
    hidden[j] = hidden[j]! * inv;
    hiddenAll[hOff + j] = hidden[j]!;
    kernelHidden[j] = hidden[j]!;
  }
  kernel.scores(0, hiddenAt, scoresAt, dimPadded, classesPadded);
  addFeatureLogits(kernelScores, featureLogits, classes, featureRows, featureOffsets[example]!, featureOffsets[example + 1]!);
  for (let c = classes; c < classesPadded; c++) kernelScores[c] = -Infinity;
  softmax(scoresAt, scoresAt + classesPadded * 4);
  for (let c = 0; c < classes; c++) proba[c] = kernelScores[c]!;
  const y = labels[example]!;
  lossAll[slot] = -Math.log(Math.max(proba[y]!, 1e-30));
  // Coefficients lr × (target - p): dense per slot (zero where skipped), plus the list of non-zero ones.
  let k = 0;
  for (let c = 0; c < classes; c++) {
    const p = proba[c]!;
    if (c !== y && p < sparseBelow) {
      coefValue[vOff + c] = 0;
      continue;
    }
    coefValue[vOff + c] = lr * ((c === y ? 1 : 0) - p);
    coefClass[cOff + k++] = c;
  }
  coefCount[slot] = k;
  // Gradient of the hidden vector: the output columns weighted by the coefficients (the kernel's
  // hidden scratch is free again, so the gradient lands there).
  simd.dots(0, coefAt + vOff * 4, hiddenAt, dimPadded, classesPadded);
  for (let j = 0; j < dim; j++) hiddenGradAll[hOff + j] = kernelGrad[j]! * inv;
}

/**
 * Early in training nearly every class gets a gradient; then the SIMD loop over all classes beats
 * the indirect one. The choice depends only on the example, never on the thread, so it is deterministic.
 */
function isDense(k: number): boolean {
  return k * 8 > classes;
}

function applyBatch(batchStart: number, size: number, dimFrom: number, dimTo: number): void {
  // Output layer (dim × classes): this chunk's rows, each updated by the examples in batch order.
  for (let j = dimFrom; j < dimTo; j++) {
    const row = j * stride;
    for (let slot = 0; slot < size; slot++) {
      const h = hiddenAll[slot * dim + j]!;
      const cOff = slot * classes;
      const vOff = slot * stride;
      const k = coefCount[slot]!;
      if (isDense(k)) {
        simd.axpy(row * 4, coefAt + vOff * 4, h, classesPadded);
      } else {
        for (let i = 0; i < k; i++) {
          const c = coefClass[cOff + i]!;
          output[row + c] = output[row + c]! + coefValue[vOff + c]! * h;
        }
      }
    }
  }
  // Embedding rows: this chunk's dimensions, examples in batch order.
  for (let slot = 0; slot < size; slot++) {
    const hOff = slot * dim;
    const example = order[batchStart + slot]!;
    const to = offsets[example + 1]!;
    for (let f = offsets[example]!; f < to; f++) {
      const r = features[f]!;
      const w = rowWeights[r]!;
      const row = r * dim;
      for (let j = dimFrom; j < dimTo; j++) embedding[row + j] = embedding[row + j]! + w * hiddenGradAll[hOff + j]!;
    }
  }
}

/**
 * Each feature row takes the mean of its examples' steps in the batch (feature-logits.ts). One task
 * per batch runs it (chunk 0's), examples in batch order, so the result is the same on any thread.
 */
function applyFeatureLogits(batchStart: number, size: number): void {
  if (featureOffsets[examples] === 0) return; // no example has a feature (the shared buffers are never empty)
  const lr = job.job.featureLr;
  for (let slot = 0; slot < size; slot++) {
    const example = order[batchStart + slot]!;
    for (let f = featureOffsets[example]!; f < featureOffsets[example + 1]!; f++) featureUses[featureRows[f]!]!++;
  }
  for (let slot = 0; slot < size; slot++) {
    const example = order[batchStart + slot]!;
    const vOff = slot * stride;
    for (let f = featureOffsets[example]!; f < featureOffsets[example + 1]!; f++) {
      const r = featureRows[f]!;
      const step = lr / featureUses[r]!;
      const at = r * classes;
      // coefValue is lr × (target - p), 0 for the classes the example skipped.
      for (let c = 0; c < classes; c++) featureLogits[at + c] = featureLogits[at + c]! + step * coefValue[vOff + c]!;
    }
  }
  for (let slot = 0; slot < size; slot++) {
    const example = order[batchStart + slot]!;
    for (let f = featureOffsets[example]!; f < featureOffsets[example + 1]!; f++) featureUses[featureRows[f]!] = 0;
  }
}

function run(): void {
  const total = epochs * examples;
  const batchesPerEpoch = Math.ceil(examples / batchSize);
  const batches = batchesPerEpoch * epochs;
  const reportEvery = Math.max(1, Math.floor(batches / 200));
  const shared = new Float64Array(job.job.loss, batchSize * 8, 2);
  let orderEpoch = -1;
  for (let task = claim(); task < batches * tasksPerBatch; task = claim()) {
    const batch = Math.floor(task / tasksPerBatch);
    const part = task - batch * tasksPerBatch;
    const epoch = Math.floor(batch / batchesPerEpoch);
    const start = (batch - epoch * batchesPerEpoch) * batchSize;
    const size = Math.min(batchSize, examples - start);
    const done = epoch * examples + start;
    if (epoch !== orderEpoch) { epochOrder(seed, epoch, order); orderEpoch = epoch; }
    const batchBegin = batch * tasksPerBatch;
    if (part < batchSize) {
      awaitDone(batchBegin);
      if (part < size) computeExample(order[start + part]!, part, job.job.lr * Math.max(0, 1 - done / total));
      finish(batchBegin + batchSize);
      continue;
    }
    awaitDone(batchBegin + batchSize);
    const [from, to] = chunkDims(dim, chunks, part - batchSize);
    applyBatch(start, size, from, to);
    if (part === batchSize) {
      applyFeatureLogits(start, size);
      // Chunk 0 of each batch also keeps the loss for progress; batches' chunk-0 tasks never overlap.
      for (let slot = 0; slot < size; slot++) shared[LOSS_SUM] = shared[LOSS_SUM]! + lossAll[slot]!;
      shared[LOSS_COUNT] = shared[LOSS_COUNT]! + size;
      if ((batch + 1) % reportEvery === 0 || start + size >= examples) {
        const lr = job.job.lr * Math.max(0, 1 - done / total);
        const message: SgdProgressMessage = { type: 'progress', done: done + size, epoch: epoch + 1, loss: shared[LOSS_SUM]! / Math.max(1, shared[LOSS_COUNT]!), lr };
        parentPort!.postMessage(message);
        shared[LOSS_SUM] = 0;
        shared[LOSS_COUNT] = 0;
      }
    }
    finish(batchBegin + tasksPerBatch);
  }
  const message: SgdDoneMessage = { type: 'done' };
  parentPort!.postMessage(message);
}

run();
