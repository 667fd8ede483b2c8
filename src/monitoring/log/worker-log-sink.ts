import { Worker } from 'node:worker_threads';
import { transferablesOf, type LogBatch } from './log-batch.js';
import type { LogSinkReply, LogSinkRequest } from './log-sink-protocol.js';
import type { AppendResult, LogRetention, LogSink } from './log-sink.js';

/**
 * A LogSink in a thread of its own: the hashing, text statistics, ranking and the store's writes
 * of the prediction log never run on the server's event loop. `script` is the thread's entry (in
 * platform/, which alone may open store adapters); `workerData` tells it which store to open.
 * Resolves once the thread has its store open; rejects with the store's error otherwise.
 */
export async function startWorkerLogSink(script: URL, workerData: unknown): Promise<LogSink> {
  const worker = new Worker(script, { workerData });
  const pending = new Map<number, { resolve(v: AppendResult): void; reject(e: Error): void }>();
  let nextId = 1;
  let dead: Error | undefined;
  const failAll = (e: Error) => {
    dead ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  await new Promise<void>((resolve, reject) => {
    const onMessage = (m: LogSinkReply) => {
      if (m.type === 'ready') { worker.off('error', onError); resolve(); }
      else if (m.type === 'open-failed') { worker.off('error', onError); void worker.terminate(); reject(new Error(m.message)); }
    };
    const onError = (e: Error) => reject(e);
    worker.once('message', onMessage);
    worker.once('error', onError);
  });
  worker.on('message', (m: LogSinkReply) => {
    if (m.type !== 'done' && m.type !== 'failed') return;
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.type === 'done') p.resolve({ rows: m.value });
    else p.reject(new Error(m.message));
  });
  worker.on('error', (e) => failAll(e));
  worker.on('exit', (code) => failAll(new Error(`the prediction log's writer thread exited (code ${code})`)));
  // Idle, the thread must not keep the process alive; requests in flight do (ref while pending).
  worker.unref();
  const call = (make: (id: number) => LogSinkRequest, transfer: ArrayBuffer[] = []): Promise<AppendResult> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise<AppendResult>((resolve, reject) => {
      if (pending.size === 0) worker.ref();
      pending.set(id, {
        resolve: (v) => { if (pending.size === 0) worker.unref(); resolve(v); },
        reject: (e) => { if (pending.size === 0) worker.unref(); reject(e); },
      });
      worker.postMessage(make(id), transfer);
    });
  };
  let closing: Promise<void> | undefined;
  return {
    append: (batch: LogBatch) => call((id) => ({ type: 'append', id, batch }), transferablesOf(batch)),
    prune: (policy: LogRetention) => call((id) => ({ type: 'prune', id, policy })).then((r) => r.rows),
    close() {
      closing ??= (async () => {
        if (!dead) await call((id) => ({ type: 'close', id })).catch(() => undefined);
        await worker.terminate();
      })();
      return closing;
    },
  };
}
