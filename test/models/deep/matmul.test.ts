import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { createRandom } from '../../../src/core/random.js';
import { matmulAB, matmulABJs, matmulAtB, matmulAtBJs, matmulRows, matmulRowsJs, matmulUsesSimd } from '../../../src/models/deep/matmul.js';

type RowsKernel = typeof matmulRows;
type AtBKernel = typeof matmulAtB;

const SENTINEL = 12345.5;

function random(n: number, seed: number): Float32Array {
  const rnd = createRandom(seed);
  return Float32Array.from({ length: n }, () => 2 * rnd.next() - 1);
}

/** |got − exact| within tol × (the sum of the terms' magnitudes): summation order is all that may differ. */
function assertNear(got: number, exact: number, scale: number, where: string): void {
  const tol = 2e-6 * scale + 1e-30;
  assert.ok(Math.abs(got - exact) <= tol, `${where}: ${got} vs exact ${exact} (tolerance ${tol})`);
}

interface RowsCase { rows: number; K: number; cols: number; aStride: number; aBase: number; outStride: number; outBase: number; bias: boolean }

const ROWS_CASES: RowsCase[] = [
  { rows: 1, K: 1, cols: 1, aStride: 1, aBase: 0, outStride: 1, outBase: 0, bias: false },
  { rows: 5, K: 128, cols: 128, aStride: 128, aBase: 0, outStride: 128, outBase: 0, bias: true },
  // A convolution: windows of 3 positions × 64 overlap in memory (aStride < K).
  { rows: 9, K: 192, cols: 128, aStride: 64, aBase: 128, outStride: 128, outBase: 0, bias: true },
  // Odd everything: K not whole vectors, overlapping rows, cols not whole blocks, a wider out.
  { rows: 7, K: 15, cols: 9, aStride: 5, aBase: 3, outStride: 13, outBase: 2, bias: true },
  // Gaps between A rows (aStride > K) that hold NaN and must not be read.
  { rows: 4, K: 36, cols: 6, aStride: 41, aBase: 1, outStride: 6, outBase: 0, bias: false },
  { rows: 3, K: 13, cols: 2, aStride: 20, aBase: 0, outStride: 2, outBase: 0, bias: true },
  { rows: 64, K: 384, cols: 100, aStride: 384, aBase: 0, outStride: 100, outBase: 0, bias: true },
  { rows: 33, K: 512, cols: 2400, aStride: 512, aBase: 0, outStride: 2401, outBase: 1, bias: true },
];

function checkRows(kernel: RowsKernel, c: RowsCase, label: string): void {
  const aLength = c.aBase + (c.rows - 1) * c.aStride + c.K;
  const A = random(aLength + 3, c.rows * 31 + c.K);
  if (c.aStride > c.K) for (let r = 0; r + 1 < c.rows; r++) A.fill(NaN, c.aBase + r * c.aStride + c.K, c.aBase + (r + 1) * c.aStride);
  const W = random(c.cols * c.K, c.cols + 7);
  const bias = c.bias ? random(c.cols, 99) : null;
  const out = new Float32Array(c.outBase + (c.rows - 1) * c.outStride + c.cols + 2).fill(SENTINEL);
  kernel(A, c.aBase, c.aStride, c.rows, W, c.K, c.cols, bias, out, c.outBase, c.outStride);
  const written = new Uint8Array(out.length);
  for (let r = 0; r < c.rows; r++) {
    for (let col = 0; col < c.cols; col++) {
      let exact = bias === null ? 0 : bias[col]!;
      let scale = Math.abs(exact);
      for (let k = 0; k < c.K; k++) {
        const t = A[c.aBase + r * c.aStride + k]! * W[col * c.K + k]!;
        exact += t;
        scale += Math.abs(t);
      }
      const at = c.outBase + r * c.outStride + col;
      written[at] = 1;
      assertNear(out[at]!, exact, scale, `${label} ${JSON.stringify(c)} row ${r} col ${col}`);
    }
  }
  for (let i = 0; i < out.length; i++) if (written[i] === 0) assert.equal(out[i], SENTINEL, `${label} wrote outside its output, at ${i}`);
}

test('matmulRows runs on WebAssembly SIMD here (else the SIMD tests below would test the JS fallback)', () => {
  assert.equal(matmulUsesSimd(), true);
});

test('matmulRows and matmulRowsJs equal the exact product (up to f32 summation order) and write nothing else', () => {
  for (const c of ROWS_CASES) {
    checkRows(matmulRows, c, 'simd');
    checkRows(matmulRowsJs, c, 'js');
  }
});

test("matmulRows gives a row the same bits whether it comes alone or with others (so shards and threads don't change results)", () => {
  const [K, cols, dim] = [60, 37, 20];
  const A = random(30 * dim + K, 5);
  const W = random(cols * K, 6);
  const bias = random(cols, 7);
  const all = new Float32Array(30 * cols);
  matmulRows(A, 0, dim, 30, W, K, cols, bias, all, 0, cols);
  const one = new Float32Array(cols);
  for (let r = 0; r < 30; r++) {
    matmulRows(A, r * dim, dim, 1, W, K, cols, bias, one, 0, cols);
    assert.deepEqual(one, all.subarray(r * cols, (r + 1) * cols), `row ${r}`);
  }
});

test('matmulRows gives the same bits in a worker thread (its own kernel instance) as on the main thread', async () => {
  const [rows, K, cols] = [11, 130, 70];
  const A = random(rows * K, 8);
  const W = random(cols * K, 9);
  const here = new Float32Array(rows * cols);
  matmulRows(A, 0, K, rows, W, K, cols, null, here, 0, cols);
  const url = new URL('../../../src/models/deep/matmul.js', import.meta.url).href;
  const code = `
    const { parentPort, workerData: d } = require('node:worker_threads');
    import(${JSON.stringify(url)}).then((m) => {
      const out = new Float32Array(d.rows * d.cols);
      m.matmulRows(d.A, 0, d.K, d.rows, d.W, d.K, d.cols, null, out, 0, d.cols);
      parentPort.postMessage({ simd: m.matmulUsesSimd(), out });
    });`;
  const worker = new Worker(code, { eval: true, workerData: { A, W, rows, K, cols } });
  const reply = await new Promise<{ simd: boolean; out: Float32Array }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  assert.equal(reply.simd, true);
  assert.deepEqual(reply.out, here);
});

test('matmulRows grows its memory for a big product and stays right for small ones after', () => {
  checkRows(matmulRows, { rows: 5, K: 8, cols: 4, aStride: 8, aBase: 0, outStride: 4, outBase: 0, bias: true }, 'before');
  checkRows(matmulRows, { rows: 40, K: 520, cols: 2500, aStride: 520, aBase: 0, outStride: 2500, outBase: 0, bias: false }, 'big');
  checkRows(matmulRows, { rows: 2, K: 3, cols: 5, aStride: 3, aBase: 0, outStride: 5, outBase: 0, bias: true }, 'after');
});

test('matmulRows with no rows or no columns writes nothing; K = 0 gives the bias', () => {
  const out = new Float32Array(6).fill(SENTINEL);
  matmulRows(new Float32Array(0), 0, 4, 0, new Float32Array(8), 4, 2, null, out, 0, 2);
  matmulRows(new Float32Array(8), 0, 4, 2, new Float32Array(0), 4, 0, null, out, 0, 2);
  assert.ok(out.every((v) => v === SENTINEL));
  matmulRows(new Float32Array(0), 0, 0, 2, new Float32Array(0), 0, 3, Float32Array.of(1, 2, 3), out, 0, 3);
  assert.deepEqual([...out], [1, 2, 3, 1, 2, 3]);
});

test('matmulRows rejects arrays too small for the shape, naming which, and writes nothing', () => {
  const out = new Float32Array(8).fill(SENTINEL);
  const W = random(8, 1);
  assert.throws(() => matmulRows(new Float32Array(7), 0, 4, 2, W, 4, 2, null, out, 0, 2), /matmulRows: A \(length 7\) has no 2 rows of 4 from 0 at stride 4/);
  assert.throws(() => matmulRows(new Float32Array(8), 0, 4, 2, W, 4, 3, null, out, 0, 3), /matmulRows: W \(length 8\) is smaller than 3 × 4/);
  assert.throws(() => matmulRows(new Float32Array(8), 0, 4, 2, W, 4, 2, new Float32Array(1), out, 0, 2), /matmulRows: bias \(length 1\) is shorter than 2 columns/);
  assert.throws(() => matmulRows(new Float32Array(8), 0, 4, 2, W, 4, 2, null, out, 4, 4), /matmulRows: out \(length 8\) has no 2 rows of 2 from 4 at stride 4/);
  assert.ok(out.every((v) => v === SENTINEL));
});

/** Aᵀ·B sums over A's rows; A·B over its columns: the same check with A's two steps swapped. */
function checkOuter(kernel: AtBKernel, transposeA: boolean, rows: number, m: number, n: number, accumulate: boolean, label: string): void {
  const [steps, outRows, aRowStep, aSumStep] = transposeA ? [rows, m, 1, m] : [m, rows, m, 1];
  const A = random(rows * m, rows + m);
  const B = random(steps * n, n + 3);
  const before = random(outRows * n + 2, 11);
  const out = Float32Array.from(before);
  kernel(A, B, rows, m, n, out, accumulate);
  for (let i = 0; i < outRows; i++) {
    for (let j = 0; j < n; j++) {
      let exact = accumulate ? before[i * n + j]! : 0;
      let scale = Math.abs(exact);
      for (let s = 0; s < steps; s++) {
        const t = A[i * aRowStep + s * aSumStep]! * B[s * n + j]!;
        exact += t;
        scale += Math.abs(t);
      }
      assertNear(out[i * n + j]!, exact, scale, `${label} rows ${rows} m ${m} n ${n} accumulate ${accumulate} at ${i},${j}`);
    }
  }
  assert.deepEqual([...out.subarray(outRows * n)], [...before.subarray(outRows * n)], `${label} wrote past its output`);
}

const OUTER_SHAPES: [number, number, number][] = [[1, 1, 1], [5, 7, 9], [3, 4, 8], [17, 10, 13], [64, 100, 384], [40, 2400, 12], [300, 6, 10], [0, 3, 5], [6, 0, 4]];

test('matmulAtB and matmulAtBJs equal the exact Aᵀ·B (up to f32 summation order), set or accumulated', () => {
  for (const [rows, m, n] of OUTER_SHAPES) {
    for (const accumulate of [false, true]) {
      checkOuter(matmulAtB, true, rows, m, n, accumulate, 'simd');
      checkOuter(matmulAtBJs, true, rows, m, n, accumulate, 'js');
    }
  }
});

test('matmulAB and matmulABJs equal the exact A·B (up to f32 summation order), set or accumulated', () => {
  for (const [rows, m, n] of OUTER_SHAPES) {
    for (const accumulate of [false, true]) {
      checkOuter(matmulAB, false, rows, m, n, accumulate, 'simd');
      checkOuter(matmulABJs, false, rows, m, n, accumulate, 'js');
    }
  }
});

test('matmulAtB gives an element the same bits whatever block of the output computes it', () => {
  const [rows, m, n] = [24, 9, 21];
  const A = random(rows * m, 1);
  const B = random(rows * n, 2);
  const all = new Float32Array(m * n);
  matmulAtB(A, B, rows, m, n, all, false);
  for (let i = 0; i < m; i++) {
    const column = Float32Array.from({ length: rows }, (_, r) => A[r * m + i]!);
    const row = new Float32Array(n);
    matmulAtB(column, B, rows, 1, n, row, false);
    assert.deepEqual(row, all.subarray(i * n, (i + 1) * n), `output row ${i}`);
  }
  for (let j = 0; j < n; j++) {
    const column = Float32Array.from({ length: rows }, (_, r) => B[r * n + j]!);
    const col = new Float32Array(m);
    matmulAtB(A, column, rows, m, 1, col, false);
    assert.deepEqual([...col], Array.from({ length: m }, (_, i) => all[i * n + j]!), `output column ${j}`);
  }
});

test('matmulAB gives a row the same bits alone or with others', () => {
  const [rows, m, n] = [23, 14, 19];
  const A = random(rows * m, 3);
  const B = random(m * n, 4);
  const all = new Float32Array(rows * n);
  matmulAB(A, B, rows, m, n, all, false);
  const one = new Float32Array(n);
  for (let r = 0; r < rows; r++) {
    matmulAB(A.subarray(r * m, (r + 1) * m), B, 1, m, n, one, false);
    assert.deepEqual(one, all.subarray(r * n, (r + 1) * n), `row ${r}`);
  }
});

test('matmulAtB and matmulAB reject arrays too small for the shape, naming which', () => {
  assert.throws(() => matmulAB(new Float32Array(6), new Float32Array(8), 2, 3, 3, new Float32Array(6), false), /matmulAB: B \(length 8\) is smaller than 3 × 3/);
  assert.throws(() => matmulAB(new Float32Array(6), new Float32Array(9), 2, 3, 3, new Float32Array(5), false), /matmulAB: out \(length 5\) is smaller than 2 × 3/);
  const out = new Float32Array(6);
  assert.throws(() => matmulAtB(new Float32Array(5), new Float32Array(6), 2, 3, 3, new Float32Array(9), false), /matmulAtB: A \(length 5\) is smaller than 2 × 3/);
  assert.throws(() => matmulAtB(new Float32Array(6), new Float32Array(5), 2, 3, 3, new Float32Array(9), false), /matmulAtB: B \(length 5\) is smaller than 2 × 3/);
  assert.throws(() => matmulAtB(new Float32Array(6), new Float32Array(6), 2, 3, 3, out, false), /matmulAtB: out \(length 6\) is smaller than 3 × 3/);
});
