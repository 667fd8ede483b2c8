import type { WasmMemory } from '../simd/wasm-bytes.js';

/**
 * What the training thread hands each SGD worker: sizes, hyper-parameters and the shared buffers.
 * Parameters live in SharedArrayBuffers; the per-batch scratch (hidden vectors, their gradients and
 * the sparse output-layer coefficients) has one slot per example of a batch, so which thread
 * computed an example never shows in the result.
 */
export interface SgdJob {
  readonly dim: number;
  readonly classes: number;
  readonly examples: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly sparseBelow: number;
  readonly hiddenNorm: number;
  readonly seed: number;
  readonly threads: number;
  /** rows × dim f32: the embedding rows of the buckets training touched. */
  readonly embedding: SharedArrayBuffer;
  /**
   * Shared WebAssembly memory for the SIMD output kernel: at 0 the output layer, dimPadded ×
   * classesPadded f32 (transposed, zero padding); then per worker a hidden (dimPadded) and a
   * scores (classesPadded) scratch region; then batchSize × classesPadded coefficients.
   */
  readonly outputMemory: WasmMemory;
  readonly dimPadded: number;
  readonly classesPadded: number;
  /** examples + 1 i32: CSR offsets into features. */
  readonly offsets: SharedArrayBuffer;
  /** i32 embedding row ids of every example's features. */
  readonly features: SharedArrayBuffer;
  /** rows f32: each embedding row's weight inside a text's mean. */
  readonly rowWeights: SharedArrayBuffer;
  /** examples i32 class ids. */
  readonly labels: SharedArrayBuffer;
  /** examples + 1 i32: CSR offsets into featureRows (feature-logits.ts). */
  readonly featureOffsets: SharedArrayBuffer;
  /** i32 feature-logit row of every example's entity-feature tokens. */
  readonly featureRows: SharedArrayBuffer;
  /** feature rows × classes f32: each feature value's class scores. */
  readonly featureLogits: SharedArrayBuffer;
  /** Factor on lr for the feature logits (FastTextParams.featureWeight). */
  readonly featureLr: number;
  /** batchSize × dim f32. */
  readonly hidden: SharedArrayBuffer;
  /** batchSize × dim f32: the gradient to add to each of the example's embedding rows. */
  readonly hiddenGrad: SharedArrayBuffer;
  /**
   * batchSize × classes: the list of classes each example updates. Their lr-scaled coefficients
   * (0 where skipped) live in the output memory at coefficientsAt(), classesPadded per example,
   * where the SIMD training kernels read them.
   */
  readonly coefClass: SharedArrayBuffer;
  /** batchSize i32. */
  readonly coefCount: SharedArrayBuffer;
  /** batchSize f64 cross-entropy per example, then the running sum and count since the last progress report (LOSS_*). */
  readonly loss: SharedArrayBuffer;
  /** i32 task counters (see CONTROL_*). */
  readonly control: SharedArrayBuffer;
}

/** Tasks claimed so far (a worker's claim is the value before its add), and tasks finished. */
export const CONTROL_CLAIMED = 0;
export const CONTROL_DONE = 1;
export const CONTROL_WORDS = 4;

export const LOSS_SUM = 0;
export const LOSS_COUNT = 1;

export function lossBytes(batchSize: number): number {
  return (batchSize + 2) * 8;
}

/**
 * The apply phase's dimension chunks: one per thread (as many as can run at once, and each chunk's
 * task walks every feature of the batch, so more chunks cost more). Any cut gives the same result.
 */
export function applyChunks(dim: number, threads: number): number {
  return Math.max(1, Math.min(dim / chunkUnit(dim), threads));
}

/** Dimensions [from, to) of apply chunk `c` of `chunks`. */
export function chunkDims(dim: number, chunks: number, c: number): [number, number] {
  const unit = chunkUnit(dim);
  const units = dim / unit;
  return [Math.floor((units * c) / chunks) * unit, Math.floor((units * (c + 1)) / chunks) * unit];
}

/** Chunks are cut at multiples of 16 floats (one cache line of an embedding row) when dim allows. */
function chunkUnit(dim: number): number {
  return dim % 16 === 0 ? 16 : 1;
}

export interface SgdProgressMessage {
  readonly type: 'progress';
  readonly done: number;
  readonly epoch: number;
  readonly loss: number;
  readonly lr: number;
}

export interface SgdDoneMessage {
  readonly type: 'done';
}

/** Byte address of worker w's hidden scratch in the output memory (its scores follow). */
export function workerScratchAt(dimPadded: number, classesPadded: number, worker: number): number {
  return (dimPadded * classesPadded + worker * (dimPadded + classesPadded)) * 4;
}

/** Byte address of the per-example coefficients in the output memory. */
export function coefficientsAt(dimPadded: number, classesPadded: number, threads: number): number {
  return workerScratchAt(dimPadded, classesPadded, threads);
}

export function outputMemoryBytes(dimPadded: number, classesPadded: number, threads: number, batchSize: number): number {
  return coefficientsAt(dimPadded, classesPadded, threads) + batchSize * classesPadded * 4;
}
