import { Worker } from 'node:worker_threads';
import { InterruptedError } from '../../core/errors.js';
import type { TrainProgress } from '../classifier.js';
import type { CsrMatrix } from './csr.js';
import type { DualCdSettings } from './dual-cd.js';
import type { ClassWeights, WorkerFailure, WorkerInit, WorkerSolve } from './worker.js';

export interface SolveOptions {
  readonly settings: DualCdSettings;
  readonly pruneBelow: number;
  readonly seed: number;
  readonly threads: number;
  readonly onProgress?: ((p: TrainProgress) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Solves every one-vs-rest problem on worker threads, handing the next class to whichever worker
 * is free. Results are stored by class, so the outcome does not depend on the thread count.
 */
export function solveAllClasses(matrix: CsrMatrix, y: Int32Array, classes: number, o: SolveOptions): Promise<ClassWeights[]> {
  if (o.signal?.aborted) return Promise.reject(new InterruptedError('linear model training'));
  if (classes === 0) return Promise.resolve([]);
  const sharedY = new Int32Array(new SharedArrayBuffer(Math.max(1, y.length) * 4), 0, y.length);
  sharedY.set(y);
  const results: Array<ClassWeights | undefined> = new Array<ClassWeights | undefined>(classes);
  const threads = Math.max(1, Math.min(Math.floor(o.threads) || 1, classes));
  const workers: Worker[] = [];
  return new Promise<ClassWeights[]>((resolve, reject) => {
    let next = 0;
    let done = 0;
    let settled = false;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      o.signal?.removeEventListener('abort', onAbort);
      for (const w of workers) void w.terminate();
      if (error) reject(error);
      else resolve(results as ClassWeights[]);
    };
    const onAbort = (): void => finish(new InterruptedError('linear model training'));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const dispatch = (w: Worker): void => {
      if (next < classes) {
        const job: WorkerSolve = { type: 'solve', cls: next++ };
        w.postMessage(job);
      }
    };
    const init: WorkerInit = { type: 'init', matrix, y: sharedY, settings: o.settings, pruneBelow: o.pruneBelow, seed: o.seed };
    for (let t = 0; t < threads; t++) {
      const w = new Worker(new URL('./worker.js', import.meta.url));
      workers.push(w);
      w.on('message', (m: ClassWeights | WorkerFailure) => {
        if (settled) return;
        if (m.type === 'error') { finish(new Error(`linear training worker failed: ${m.message}`)); return; }
        results[m.cls] = m;
        done++;
        o.onProgress?.({ phase: 'train', done, total: classes });
        if (done === classes) finish();
        else dispatch(w);
      });
      w.on('error', (e) => finish(e));
      w.on('exit', (code) => { if (!settled) finish(new Error(`linear training worker exited early (code ${code})`)); });
      w.postMessage(init);
      dispatch(w);
    }
  });
}
