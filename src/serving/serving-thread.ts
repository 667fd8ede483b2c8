import { Worker } from 'node:worker_threads';
import type { ArtifactHeader } from '../models/artifact.js';
import { reviveWorkerError, type RuntimeWorkerReply, type RuntimeWorkerRequest } from './worker-protocol.js';

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

interface Pending {
  resolve(r: RuntimeWorkerReply): void;
  reject(e: Error): void;
}

/** One serving worker thread with request/reply matching by id and a count of requests in flight. */
export class ServingThread {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: RuntimeWorkerReply) => {
      if (m.type === 'ready' || m.type === 'load-failed') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.type === 'failed') p.reject(reviveWorkerError(m.error));
      else p.resolve(m);
    });
    const fail = (e: Error) => {
      this.failure ??= e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`serving thread exited (code ${code})`)));
  }

  static start(modelPath: string): Promise<{ thread: ServingThread; header: ArtifactHeader; fileSha256: string }> {
    const worker = new Worker(new URL('./runtime-worker.js', import.meta.url), { workerData: { modelPath } });
    return new Promise((resolve, reject) => {
      const onFirst = (m: RuntimeWorkerReply) => {
        worker.off('error', onError);
        if (m.type === 'ready') resolve({ thread: new ServingThread(worker), header: m.header, fileSha256: m.fileSha256 });
        else if (m.type === 'load-failed') { void worker.terminate(); reject(reviveWorkerError(m.error)); }
      };
      const onError = (e: Error) => { worker.off('message', onFirst); reject(e); };
      worker.once('message', onFirst);
      worker.once('error', onError);
    });
  }

  /** Requests sent and not answered yet. */
  get inFlight(): number { return this.pending.size; }
  get failed(): boolean { return this.failure !== undefined; }

  request(m: WithoutId<RuntimeWorkerRequest>): Promise<RuntimeWorkerReply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...m, id });
    });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}
