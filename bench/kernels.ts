/**
 * Dense-kernel benchmark (`npm run bench:kernels`): GMAC/s of the deep models' products on one core,
 * the plain-JS loops against the WebAssembly SIMD kernels, for the shapes the models call them with.
 * "simd" is the whole call (copies into and out of the kernel's memory included); "kernel" is the
 * SIMD kernel alone on data already in its memory, so the gap between them is the cost of the copies.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createRandom } from '../src/core/random.js';
import { matmulAB, matmulABJs, matmulAtB, matmulAtBJs, matmulRows, matmulRowsJs, matmulUsesSimd, OUTER_CHUNK } from '../src/models/deep/matmul.js';
import { ATB_ROWS, DOT_COLS, matmulKernel } from '../src/models/simd/matmul-kernel.js';
import { roundUp4 } from '../src/models/simd/wasm-bytes.js';
import { machine, writeResult } from './machine.js';

interface Shape { readonly kernel: 'matmulRows' | 'matmulAtB' | 'matmulAB'; readonly use: string; readonly dims: readonly number[] }

// matmulRows dims: rows, K, cols, aStride. matmulAtB and matmulAB dims: rows, m, n.
const SHAPES: Shape[] = [
  { kernel: 'matmulRows', use: 'conv, one example (w=2, dim 64)', dims: [6, 128, 128, 64] },
  { kernel: 'matmulRows', use: 'conv, one example (w=3, dim 128)', dims: [10, 384, 128, 128] },
  { kernel: 'matmulRows', use: 'conv, one example (w=4, dim 128)', dims: [20, 512, 128, 128] },
  { kernel: 'matmulRows', use: 'output layer, batch', dims: [64, 384, 100, 384] },
  { kernel: 'matmulRows', use: 'output layer, batch', dims: [128, 384, 2400, 384] },
  { kernel: 'matmulRows', use: 'output layer, batch', dims: [256, 512, 2400, 512] },
  { kernel: 'matmulAtB', use: 'gW += dLogitsᵀ·hidden', dims: [64, 100, 384] },
  { kernel: 'matmulAtB', use: 'gW += dLogitsᵀ·hidden', dims: [128, 2400, 384] },
  { kernel: 'matmulAtB', use: 'gW += dLogitsᵀ·hidden', dims: [256, 2400, 512] },
  { kernel: 'matmulAB', use: 'dHidden = dLogits·W', dims: [64, 100, 384] },
  { kernel: 'matmulAB', use: 'dHidden = dLogits·W', dims: [128, 2400, 384] },
  { kernel: 'matmulAB', use: 'dHidden = dLogits·W', dims: [256, 2400, 512] },
];

// Each variant runs ROUNDS times for MS ms, interleaved with the others, and keeps its best round:
// the machine is shared, and the best round is the one least disturbed by other work.
const MS = 150;
const ROUNDS = 3;

function random(n: number, seed: number): Float32Array {
  const rnd = createRandom(seed);
  return Float32Array.from({ length: n }, () => 2 * rnd.next() - 1);
}

/** Multiply-accumulates per second, in billions, of `op` run repeatedly for about MS ms (after a warm-up). */
function gmacs(macs: number, op: () => void): number {
  const warmEnd = performance.now() + MS / 5;
  while (performance.now() < warmEnd) op();
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < MS) {
    op();
    calls++;
    now = performance.now();
  }
  return (macs * calls) / ((now - start) / 1000) / 1e9;
}

const kernel = matmulKernel(1 << 20);

function growTo(floats: number): void {
  const have = kernel.memory.buffer.byteLength;
  if (4 * floats > have) kernel.memory.grow(Math.ceil((4 * floats - have) / 65536));
}

interface Variants { readonly macs: number; readonly js: () => void; readonly simd: () => void; readonly kernelOnly: () => void }

function measure(shape: Shape): { js: number; simd: number; kernelOnly: number } {
  const v = variants(shape);
  const best = { js: 0, simd: 0, kernelOnly: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    for (const key of ['js', 'simd', 'kernelOnly'] as const) best[key] = Math.max(best[key], gmacs(v.macs, v[key]));
  }
  return best;
}

function variants(shape: Shape): Variants {
  if (shape.kernel === 'matmulRows') {
    const [rows, K, cols, aStride] = shape.dims as [number, number, number, number];
    const A = random((rows - 1) * aStride + K, 1);
    const W = random(cols * K, 2);
    const bias = random(cols, 3);
    const out = new Float32Array(rows * cols);
    const macs = rows * K * cols;
    const kp = roundUp4(K);
    const colsPadded = Math.ceil(cols / DOT_COLS) * DOT_COLS;
    const wAt = roundUp4(A.length);
    const biasAt = wAt + colsPadded * kp;
    const outAt = biasAt + colsPadded;
    growTo(outAt + rows * colsPadded);
    return {
      macs,
      js: () => matmulRowsJs(A, 0, aStride, rows, W, K, cols, bias, out, 0, cols),
      simd: () => matmulRows(A, 0, aStride, rows, W, K, cols, bias, out, 0, cols),
      kernelOnly: () => kernel.dotRows(0, 4 * aStride, rows, 4 * wAt, 4 * kp, colsPadded, 4 * biasAt, 4 * outAt),
    };
  }
  const [rows, m, n] = shape.dims as [number, number, number];
  const atb = shape.kernel === 'matmulAtB';
  const [steps, outRows] = atb ? [rows, m] : [m, rows];
  const A = random(rows * m, 4);
  const B = random(steps * n, 5);
  const out = new Float32Array(outRows * n);
  const macs = rows * m * n;
  const rowsPadded = Math.ceil(outRows / ATB_ROWS) * ATB_ROWS;
  const np = roundUp4(n);
  const bAt = roundUp4(rowsPadded * m + m);
  const outAt = bAt + steps * np;
  growTo(outAt + rowsPadded * np);
  const js = atb ? matmulAtBJs : matmulABJs;
  const simd = atb ? matmulAtB : matmulAB;
  return {
    macs,
    js: () => js(A, B, rows, m, n, out, true),
    simd: () => simd(A, B, rows, m, n, out, true),
    // In the same slices of steps as matmulAtB and matmulAB.
    kernelOnly: () => {
      for (let s0 = 0; s0 < steps; s0 += OUTER_CHUNK) {
        const chunk = Math.min(OUTER_CHUNK, steps - s0);
        if (atb) kernel.atb(4 * s0 * m, 4, 4 * m, 4 * (bAt + s0 * np), 4 * np, chunk, rowsPadded, np, 4 * outAt);
        else kernel.ab(4 * s0, 4 * m, 4, 4 * (bAt + s0 * np), 4 * np, chunk, rowsPadded, np, 4 * outAt);
      }
    },
  };
}

function main(): void {
  const m = machine();
  const command = 'npm run bench:kernels';
  if (!matmulUsesSimd()) throw new Error('WebAssembly SIMD is unavailable here: nothing to compare');
  const load = loadavg()[0]!.toFixed(2);
  process.stdout.write(`dense kernels, one core — ${command}\nmachine: ${m.cores} cores, ${m.cpu}, node ${m.node}, ${m.platform}; load average ${load} at start\n`);
  process.stdout.write(`best of ${ROUNDS} interleaved rounds of ${MS} ms per cell\n\n`);
  const header = ['kernel', 'use', 'dims', 'JS GMAC/s', 'SIMD GMAC/s', 'SIMD/JS', 'kernel only', 'copies'];
  const widths = [10, 34, 20, 9, 11, 7, 11, 6];
  const line = (cells: string[]): string => `${cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}\n`;
  process.stdout.write(line(header));
  const rows = [];
  for (const shape of SHAPES) {
    const r = measure(shape);
    const dims = shape.kernel === 'matmulRows' ? `r${shape.dims[0]} K${shape.dims[1]} c${shape.dims[2]} s${shape.dims[3]}` : `r${shape.dims[0]} m${shape.dims[1]} n${shape.dims[2]}`;
    // The share of a whole SIMD call spent outside the kernel (copies in and out, bias, padding).
    const copies = 1 - r.simd / r.kernelOnly;
    process.stdout.write(line([shape.kernel, shape.use, dims, r.js.toFixed(2), r.simd.toFixed(2), `${(r.simd / r.js).toFixed(1)}x`, r.kernelOnly.toFixed(2), `${Math.round(100 * copies)}%`]));
    rows.push({ ...shape, jsGmacs: r.js, simdGmacs: r.simd, ratio: r.simd / r.js, kernelOnlyGmacs: r.kernelOnly, copyShare: copies });
  }
  const path = writeResult('kernels', { command, machine: m, loadAverageAtStart: Number(load), msPerRound: MS, rounds: ROUNDS, shapes: rows, at: new Date().toISOString() });
  process.stdout.write(`\ndims: matmulRows r rows, K, c cols, s aStride; matmulAtB and matmulAB r rows, m, n. wrote ${path}\n`);
}

main();
