import { parentPort, workerData } from 'node:worker_threads';
import { epochOrder } from './seeded-order.js';
import { scoresKernel } from './simd-scores.js';
import { softmaxKernel } from './simd-softmax.js';
import { trainKernels } from './simd-train.js';
import {
  CONTROL_ARRIVED, CONTROL_GENERATION, coefficientsAt, outputMemoryBytes, workerScratchAt, type SgdDoneMessage, type SgdJob, type SgdProgressMessage,
} from './sgd-shared.js';

/**
 * One SGD worker. Training runs as synchronous mini-batches, each in two phases separated by barriers:
 *
 *  1. compute: every example of the batch (this worker takes a contiguous slice) is run forward
 *     with the parameters as they were at the start of the batch; its hidden vector, the sparse
 *     output-layer coefficients and the gradient for its embedding rows go into the example's slot.
 *  2. apply: every worker walks ALL examples of the batch in order, but updates only its own slice
 *     of the dimensions. Each parameter therefore receives the same additions in the same order
 *     whatever the number of threads, which makes the result byte-identical for any thread count.
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

// Dimension slice this worker applies, cut at multiples of 16 floats (one cache line of an
// embedding row) when possible.
const unit = dim % 16 === 0 ? 16 : 1;
const units = dim / unit;
const dimFrom = Math.floor((units * me) / threads) * unit;
const dimTo = Math.floor((units * (me + 1)) / threads) * unit;

const SPINS = 4000;
function barrier(): void {
  if (threads === 1) return;
  const generation = Atomics.load(control, CONTROL_GENERATION);
  if (Atomics.add(control, CONTROL_ARRIVED, 1) === threads - 1) {
    Atomics.store(control, CONTROL_ARRIVED, 0);
    Atomics.add(control, CONTROL_GENERATION, 1);
    Atomics.notify(control, CONTROL_GENERATION);
    return;
  }
  for (let s = 0; s < SPINS; s++) if (Atomics.load(control, CONTROL_GENERATION) !== generation) return;
  while (Atomics.load(control, CONTROL_GENERATION) === generation) Atomics.wait(control, CONTROL_GENERATION, generation);
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

function applyBatch(batchStart: number, size: number): void {
  // Output layer (dim × classes): this worker's rows, each updated by the examples in batch order.
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
  // Embedding rows: this worker's slice of dimensions, examples in batch order.
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

function run(): void {
  const total = epochs * examples;
  const batchesPerEpoch = Math.ceil(examples / batchSize);
  const reportEvery = Math.max(1, Math.floor((batchesPerEpoch * epochs) / 200));
  let batchNo = 0;
  let lossSum = 0;
  let lossCount = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    epochOrder(seed, epoch, order);
    for (let start = 0; start < examples; start += batchSize) {
      const size = Math.min(batchSize, examples - start);
      const done = epoch * examples + start;
      const lr = job.job.lr * Math.max(0, 1 - done / total);
      const per = Math.ceil(size / threads);
      const mineTo = Math.min(size, (me + 1) * per);
      for (let slot = me * per; slot < mineTo; slot++) computeExample(order[start + slot]!, slot, lr);
      barrier();
      applyBatch(start, size);
      if (me === 0) {
        for (let slot = 0; slot < size; slot++) lossSum += lossAll[slot]!;
        lossCount += size;
      }
      barrier();
      batchNo++;
      if (me === 0 && (batchNo % reportEvery === 0 || start + size >= examples)) {
        const message: SgdProgressMessage = { type: 'progress', done: done + size, epoch: epoch + 1, loss: lossSum / Math.max(1, lossCount), lr };
        parentPort!.postMessage(message);
        lossSum = 0;
        lossCount = 0;
      }
    }
  }
  const message: SgdDoneMessage = { type: 'done' };
  parentPort!.postMessage(message);
}

run();
