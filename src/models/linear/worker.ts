import { parentPort } from 'node:worker_threads';
import { DualCdSolver, type DualCdSettings } from './dual-cd.js';
import type { CsrMatrix } from './csr.js';

/**
 * Training worker: holds one solver over the shared CSR matrix and solves the classes it is sent,
 * one at a time, returning each class's pruned sparse weights.
 */
export interface WorkerInit {
  readonly type: 'init';
  readonly matrix: CsrMatrix;
  readonly y: Int32Array;
  readonly settings: DualCdSettings;
  readonly pruneBelow: number;
  readonly seed: number;
}

export interface WorkerSolve {
  readonly type: 'solve';
  readonly cls: number;
}

export interface ClassWeights {
  readonly type: 'result';
  readonly cls: number;
  /** Columns kept after pruning, ascending. */
  readonly cols: Int32Array;
  readonly weights: Float32Array;
  readonly bias: number;
  readonly iterations: number;
}

export interface WorkerFailure {
  readonly type: 'error';
  readonly message: string;
}

/** The per-class seed: depends only on the run seed and the class, never on the thread. */
export function classSeed(seed: number, cls: number): number {
  let h = Math.imul(seed | 0, 0x85ebca6b) ^ Math.imul(cls + 1, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** Keeps the weights with |w| >= pruneBelow (and non-zero), as ascending columns + Float32 values. */
export function pruneWeights(w: Float64Array, pruneBelow: number): { cols: Int32Array; weights: Float32Array } {
  let n = 0;
  for (let j = 0; j < w.length; j++) {
    const v = w[j]!;
    if (v !== 0 && (v >= pruneBelow || v <= -pruneBelow)) n++;
  }
  const cols = new Int32Array(n);
  const weights = new Float32Array(n);
  let k = 0;
  for (let j = 0; j < w.length; j++) {
    const v = w[j]!;
    if (v !== 0 && (v >= pruneBelow || v <= -pruneBelow)) { cols[k] = j; weights[k] = v; k++; }
  }
  return { cols, weights };
}

const port = parentPort;
if (port) {
  let solver: DualCdSolver | undefined;
  let init: WorkerInit | undefined;
  port.on('message', (m: WorkerInit | WorkerSolve) => {
    try {
      if (m.type === 'init') {
        init = m;
        solver = new DualCdSolver(m.matrix, m.y, m.settings);
        return;
      }
      if (!solver || !init) throw new Error('linear training worker got a class before init');
      const solution = solver.solve(m.cls, classSeed(init.seed, m.cls));
      const { cols, weights } = pruneWeights(solution.w, init.pruneBelow);
      const result: ClassWeights = { type: 'result', cls: m.cls, cols, weights, bias: solution.bias, iterations: solution.iterations };
      port.postMessage(result, [cols.buffer as ArrayBuffer, weights.buffer as ArrayBuffer]);
    } catch (e) {
      const failure: WorkerFailure = { type: 'error', message: e instanceof Error ? e.stack ?? e.message : String(e) };
      port.postMessage(failure);
    }
  });
}
