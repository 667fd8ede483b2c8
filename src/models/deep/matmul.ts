import { ATB_ROWS, DOT_COLS, matmulKernel, type MatmulKernel } from '../simd/matmul-kernel.js';
import { roundUp4 } from '../simd/wasm-bytes.js';

/**
 * out[outBase + r * outStride + c] = bias[c] + Σ_k A[aBase + r * aStride + k] · W[c * K + k]
 *
 * The one dense kernel of the deep models: rows of A against rows of W (so a convolution over a
 * sequence stored row-major is this product with aStride = embedding size: the windows overlap in
 * memory and need no im2col copy). Runs on this thread's WebAssembly SIMD kernel (simd/matmul-kernel.ts):
 * A and W are copied into its memory, multiplied in f32, and copied out. Where WebAssembly SIMD is
 * unavailable it is matmulRowsJs. Results differ from matmulRowsJs by summation order only; each
 * element's order depends on K alone, not on rows or cols.
 */
export function matmulRows(
  A: Float32Array, aBase: number, aStride: number, rows: number,
  W: Float32Array, K: number, cols: number,
  bias: Float32Array | null, out: Float32Array, outBase: number, outStride: number,
): void {
  checkRows(A, aBase, aStride, rows, W, K, cols, bias, out, outBase, outStride);
  const kernel = rows > 0 && cols > 0 && K > 0 ? threadKernel() : null;
  if (kernel === null) {
    matmulRowsJs(A, aBase, aStride, rows, W, K, cols, bias, out, outBase, outStride);
    return;
  }
  const kp = roundUp4(K);
  const colsPadded = Math.ceil(cols / DOT_COLS) * DOT_COLS;
  // Rows are used in place (overlapping windows cost nothing) when each is whole vectors with no
  // gap between; otherwise each is packed into kp floats with zero padding.
  const packA = K !== kp || aStride > K;
  const aFloats = packA ? rows * kp : (rows - 1) * aStride + K;
  const wAt = roundUp4(aFloats);
  const biasAt = wAt + colsPadded * kp;
  const outAt = biasAt + colsPadded;
  const heap = kernel.heap(outAt + rows * colsPadded);
  if (packA) {
    for (let r = 0; r < rows; r++) copyPadded(A, aBase + r * aStride, K, heap, r * kp, kp);
  } else {
    heap.set(A.subarray(aBase, aBase + aFloats), 0);
  }
  if (K === kp) heap.set(W.subarray(0, cols * K), wAt);
  else for (let c = 0; c < cols; c++) copyPadded(W, c * K, K, heap, wAt + c * kp, kp);
  heap.fill(0, wAt + cols * kp, biasAt);
  if (bias === null) heap.fill(0, biasAt, outAt);
  else copyPadded(bias, 0, cols, heap, biasAt, colsPadded);
  kernel.simd.dotRows(0, 4 * (packA ? kp : aStride), rows, 4 * wAt, 4 * kp, colsPadded, 4 * biasAt, 4 * outAt);
  if (outStride === cols && cols === colsPadded) out.set(heap.subarray(outAt, outAt + (rows - 1) * colsPadded + cols), outBase);
  else for (let r = 0; r < rows; r++) out.set(heap.subarray(outAt + r * colsPadded, outAt + r * colsPadded + cols), outBase + r * outStride);
}

/**
 * out[i * n + j] = Σ_r A[r * m + i] · B[r * n + j] (or += with accumulate): Aᵀ·B for A rows × m and
 * B rows × n, e.g. a dense layer's weight gradient gW[classes × hidden] += dLogitsᵀ · hidden. Runs on
 * this thread's WebAssembly SIMD kernel (matmulAtBJs where that is unavailable). Each element is
 * summed over r in order in f32 in runs of OUTER_CHUNK rows, each run's sum added to out in turn
 * (to zero without accumulate).
 */
export function matmulAtB(A: Float32Array, B: Float32Array, rows: number, m: number, n: number, out: Float32Array, accumulate: boolean): void {
  checkOuter('matmulAtB', A, B, rows, m, rows, n, out, m);
  outerProduct(A, 1, m, B, rows, m, n, out, accumulate);
}

/**
 * out[r * n + j] = Σ_i A[r * m + i] · B[i * n + j] (or += with accumulate): A·B for A rows × m and
 * B m × n, e.g. a dense layer's input gradient dHidden = dLogits · W for W classes × hidden (no
 * transposed copy of W needed). Runs on this thread's WebAssembly SIMD kernel (matmulABJs where that
 * is unavailable). Each element is summed over i in order in f32 in runs of OUTER_CHUNK, each run's
 * sum added to out in turn (to zero without accumulate).
 */
export function matmulAB(A: Float32Array, B: Float32Array, rows: number, m: number, n: number, out: Float32Array, accumulate: boolean): void {
  checkOuter('matmulAB', A, B, rows, m, m, n, out, rows);
  outerProduct(A, m, 1, B, m, rows, n, out, accumulate);
}

/** The plain-JS Aᵀ·B (the reference for matmulAtB and its fallback), same contract; sums in f64. */
export function matmulAtBJs(A: Float32Array, B: Float32Array, rows: number, m: number, n: number, out: Float32Array, accumulate: boolean): void {
  outerJs(A, 1, m, B, rows, m, n, out, accumulate);
}

/** The plain-JS A·B (the reference for matmulAB and its fallback), same contract; sums in f64. */
export function matmulABJs(A: Float32Array, B: Float32Array, rows: number, m: number, n: number, out: Float32Array, accumulate: boolean): void {
  outerJs(A, m, 1, B, m, rows, n, out, accumulate);
}

/**
 * Steps per kernel call in Aᵀ·B and A·B: the kernel passes over all of B once per block of output
 * rows, so B is fed in slices that stay in the core's L2 (A·B with m = 2400, n = 384 ran at 19.6
 * GMAC/s whole and 23.1 in slices of 256). Fixed, so the summation order depends on the shape only.
 */
export const OUTER_CHUNK = 256;

/**
 * out[i * n + j] (+)= Σ_s A[i * aRowStep + s * aSumStep] · B[s * n + j] for i < outRows, s < steps:
 * Aᵀ·B and A·B are this with A's two steps swapped.
 */
function outerProduct(A: Float32Array, aRowStep: number, aSumStep: number, B: Float32Array, steps: number, outRows: number, n: number,
  out: Float32Array, accumulate: boolean): void {
  const kernel = outRows > 0 && n > 0 ? threadKernel() : null;
  if (kernel === null) {
    outerJs(A, aRowStep, aSumStep, B, steps, outRows, n, out, accumulate);
    return;
  }
  const rowsPadded = Math.ceil(outRows / ATB_ROWS) * ATB_ROWS;
  const np = roundUp4(n);
  // A is copied as it is: the padding rows read past its values (still inside the kernel's memory),
  // into outputs nobody copies out.
  const aFloats = steps === 0 ? 0 : (outRows - 1) * aRowStep + (steps - 1) * aSumStep + 1;
  const aRead = steps === 0 ? 0 : (rowsPadded - 1) * aRowStep + (steps - 1) * aSumStep + 1;
  const bAt = roundUp4(aRead);
  const outAt = bAt + steps * np;
  const heap = kernel.heap(outAt + rowsPadded * np);
  heap.set(A.subarray(0, aFloats), 0);
  if (n === np) heap.set(B.subarray(0, steps * n), bAt);
  else for (let s = 0; s < steps; s++) copyPadded(B, s * n, n, heap, bAt + s * np, np);
  if (!accumulate) heap.fill(0, outAt, outAt + rowsPadded * np);
  else if (n === np) heap.set(out.subarray(0, outRows * n), outAt);
  else for (let i = 0; i < outRows; i++) copyPadded(out, i * n, n, heap, outAt + i * np, np);
  for (let s0 = 0; s0 < steps; s0 += OUTER_CHUNK) {
    const chunk = Math.min(OUTER_CHUNK, steps - s0);
    const a = 4 * s0 * aSumStep;
    const b = 4 * (bAt + s0 * np);
    if (aRowStep === 1) kernel.simd.atb(a, 4, 4 * aSumStep, b, 4 * np, chunk, rowsPadded, np, 4 * outAt);
    else kernel.simd.ab(a, 4 * aRowStep, 4 * aSumStep, b, 4 * np, chunk, rowsPadded, np, 4 * outAt);
  }
  if (n === np) out.set(heap.subarray(outAt, outAt + outRows * n), 0);
  else for (let i = 0; i < outRows; i++) out.set(heap.subarray(outAt + i * np, outAt + i * np + n), i * n);
}

/** The plain-JS outerProduct: register-blocked 2 output rows × 4 columns, as matmulRowsJs; sums in f64. */
function outerJs(A: Float32Array, aRowStep: number, aSumStep: number, B: Float32Array, steps: number, outRows: number, n: number,
  out: Float32Array, accumulate: boolean): void {
  for (let i = 0; i < outRows; i += 2) {
    const two = i + 1 < outRows;
    const a0 = i * aRowStep;
    const a1 = two ? a0 + aRowStep : a0;
    for (let j = 0; j < n; j += 4) {
      const w = n - j < 4 ? n - j : 4;
      const j1 = w > 1 ? j + 1 : j;
      const j2 = w > 2 ? j + 2 : j;
      const j3 = w > 3 ? j + 3 : j;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let s = 0, as = 0, bs = 0; s < steps; s++, as += aSumStep, bs += n) {
        const x0 = A[a0 + as]!;
        const x1 = A[a1 + as]!;
        const y0 = B[bs + j]!;
        const y1 = B[bs + j1]!;
        const y2 = B[bs + j2]!;
        const y3 = B[bs + j3]!;
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
      }
      storeBlock(out, i * n + j, w, accumulate, s00, s01, s02, s03);
      if (two) storeBlock(out, (i + 1) * n + j, w, accumulate, s10, s11, s12, s13);
    }
  }
}

/** out[at .. at + w) = (or +=) the first w of s0..s3. */
function storeBlock(out: Float32Array, at: number, w: number, accumulate: boolean, s0: number, s1: number, s2: number, s3: number): void {
  if (accumulate) {
    out[at] = out[at]! + s0;
    if (w > 1) out[at + 1] = out[at + 1]! + s1;
    if (w > 2) out[at + 2] = out[at + 2]! + s2;
    if (w > 3) out[at + 3] = out[at + 3]! + s3;
  } else {
    out[at] = s0;
    if (w > 1) out[at + 1] = s1;
    if (w > 2) out[at + 2] = s2;
    if (w > 3) out[at + 3] = s3;
  }
}

/** dst[at .. at + padded) = src[from .. from + n) then zeros. */
function copyPadded(src: Float32Array, from: number, n: number, dst: Float32Array, at: number, padded: number): void {
  dst.set(src.subarray(from, from + n), at);
  if (padded > n) dst.fill(0, at + n, at + padded);
}

function checkRows(A: Float32Array, aBase: number, aStride: number, rows: number, W: Float32Array, K: number, cols: number,
  bias: Float32Array | null, out: Float32Array, outBase: number, outStride: number): void {
  if (rows <= 0 || cols <= 0) return;
  if (aBase < 0 || aBase + (rows - 1) * aStride + K > A.length) throw new RangeError(`matmulRows: A (length ${A.length}) has no ${rows} rows of ${K} from ${aBase} at stride ${aStride}`);
  if (cols * K > W.length) throw new RangeError(`matmulRows: W (length ${W.length}) is smaller than ${cols} × ${K}`);
  if (bias !== null && bias.length < cols) throw new RangeError(`matmulRows: bias (length ${bias.length}) is shorter than ${cols} columns`);
  if (outBase < 0 || outBase + (rows - 1) * outStride + cols > out.length) throw new RangeError(`matmulRows: out (length ${out.length}) has no ${rows} rows of ${cols} from ${outBase} at stride ${outStride}`);
}

/** A rows × m, B bRows × n, out outRows × n. */
function checkOuter(what: string, A: Float32Array, B: Float32Array, rows: number, m: number, bRows: number, n: number, out: Float32Array, outRows: number): void {
  if (rows * m > A.length) throw new RangeError(`${what}: A (length ${A.length}) is smaller than ${rows} × ${m}`);
  if (bRows * n > B.length) throw new RangeError(`${what}: B (length ${B.length}) is smaller than ${bRows} × ${n}`);
  if (outRows * n > out.length) throw new RangeError(`${what}: out (length ${out.length}) is smaller than ${outRows} × ${n}`);
}

interface ThreadKernel {
  readonly simd: MatmulKernel;
  /** This thread's kernel memory as f32, grown to at least `floats`. */
  heap(floats: number): Float32Array;
}

// Module state is per thread (each worker thread loads its own copy of this module), so every
// thread gets its own instance and memory: nothing is shared, nothing needs a lock.
let threadState: ThreadKernel | null | undefined;

/** This thread's kernel, made on first use; null where WebAssembly SIMD is unavailable. */
function threadKernel(): ThreadKernel | null {
  if (threadState !== undefined) return threadState;
  try {
    const simd = matmulKernel(1 << 20);
    let view = new Float32Array(simd.memory.buffer);
    threadState = {
      simd,
      heap(floats: number): Float32Array {
        const bytes = 4 * floats;
        const have = simd.memory.buffer.byteLength;
        if (bytes > have) simd.memory.grow(Math.ceil((bytes - have) / 65536));
        if (view.buffer !== simd.memory.buffer) view = new Float32Array(simd.memory.buffer);
        return view;
      },
    };
  } catch {
    // No WebAssembly SIMD here (the module does not compile): the plain-JS loops serve.
    threadState = null;
  }
  return threadState;
}

/** Whether matmulRows, matmulAtB and matmulAB run on WebAssembly SIMD in this thread (else on the plain-JS loops). */
export function matmulUsesSimd(): boolean {
  return threadKernel() !== null;
}

/**
 * The plain-JS kernel (the reference for matmulRows and its fallback), same contract; sums in f64.
 * Register-blocked 2 rows × 4 columns: eight accumulators stay in registers (a 4 × 4 block spills
 * and was measured 20-40% slower); ~2 GMAC/s per core (bench/kernels.ts).
 */
export function matmulRowsJs(
  A: Float32Array, aBase: number, aStride: number, rows: number,
  W: Float32Array, K: number, cols: number,
  bias: Float32Array | null, out: Float32Array, outBase: number, outStride: number,
): void {
  for (let r = 0; r < rows; r += 2) {
    const two = r + 1 < rows;
    const a0 = aBase + r * aStride;
    const a1 = two ? a0 + aStride : a0;
    for (let c = 0; c < cols; c += 4) {
      const n = cols - c < 4 ? cols - c : 4;
      const w0 = c * K;
      const w1 = n > 1 ? w0 + K : w0;
      const w2 = n > 2 ? w0 + 2 * K : w0;
      const w3 = n > 3 ? w0 + 3 * K : w0;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = A[a0 + k]!;
        const x1 = A[a1 + k]!;
        const y0 = W[w0 + k]!;
        const y1 = W[w1 + k]!;
        const y2 = W[w2 + k]!;
        const y3 = W[w3 + k]!;
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
      }
      if (bias !== null) {
        const b0 = bias[c]!;
        const b1 = n > 1 ? bias[c + 1]! : 0;
        const b2 = n > 2 ? bias[c + 2]! : 0;
        const b3 = n > 3 ? bias[c + 3]! : 0;
        s00 += b0; s01 += b1; s02 += b2; s03 += b3;
        s10 += b0; s11 += b1; s12 += b2; s13 += b3;
      }
      const o0 = outBase + r * outStride + c;
      storeBlock(out, o0, n, false, s00, s01, s02, s03);
      if (two) storeBlock(out, o0 + outStride, n, false, s10, s11, s12, s13);
    }
  }
}
