import { Worker } from 'node:worker_threads';

/**
 * The caller's side of a monitoring thread that opens its own store connection and then answers
 * numbered requests one after another (the prediction log's writer, the monitor's observer). The
 * thread first posts `ready`, or `open-failed` with the store's error; then `done` (with a value)
 * or `failed` per request. The thread never keeps the process alive while idle; with
 * `refWhilePending` it does while a request is outstanding (a log batch must be written before
 * the process may end).
 */
export type ThreadReply<V> =
  | { readonly type: 'ready' }
  | { readonly type: 'open-failed'; readonly message: string }
  | { readonly type: 'done'; readonly id: number; readonly value: V }
  | { readonly type: 'failed'; readonly id: number; readonly message: string };

export interface ThreadClient<Req, V> {
  /** Sends the request `make(id)` builds; resolves with the thread's value, rejects with its error (or once it died). */
  call(make: (id: number) => Req, transfer?: ArrayBuffer[]): Promise<V>;
  /** Sends the close request `make(id)` builds (if the thread is alive), then ends the thread. */
  close(make: (id: number) => Req): Promise<void>;
}

/** Starts the thread; resolves once it has its store open, rejects with the store's error otherwise. */
export async function startThreadClient<Req, V>(script: URL, workerData: unknown, name: string, options: { readonly refWhilePending?: boolean } = {}): Promise<ThreadClient<Req, V>> {
  const worker = new Worker(script, { workerData });
  const pending = new Map<number, { resolve(v: V): void; reject(e: Error): void }>();
  let nextId = 1;
  let dead: Error | undefined;
  const failAll = (e: Error) => {
    dead ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    worker.once('message', (m: ThreadReply<V>) => {
      worker.off('error', onError);
      if (m.type === 'ready') resolve();
      else { void worker.terminate(); reject(new Error(m.type === 'open-failed' ? m.message : `unexpected ${m.type} from ${name}`)); }
    });
    worker.once('error', onError);
  });
  worker.on('message', (m: ThreadReply<V>) => {
    if (m.type !== 'done' && m.type !== 'failed') return;
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.type === 'done') p.resolve(m.value);
    else p.reject(new Error(m.message));
  });
  worker.on('error', (e) => failAll(e));
  worker.on('exit', (code) => failAll(new Error(`${name} exited (code ${code})`)));
  worker.unref();
  const settled = () => { if (options.refWhilePending && pending.size === 0) worker.unref(); };
  const call = (make: (id: number) => Req, transfer: ArrayBuffer[] = []): Promise<V> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise<V>((resolve, reject) => {
      if (options.refWhilePending && pending.size === 0) worker.ref();
      pending.set(id, {
        resolve: (v) => { settled(); resolve(v); },
        reject: (e) => { settled(); reject(e); },
      });
      worker.postMessage(make(id), transfer);
    });
  };
  let closing: Promise<void> | undefined;
  return {
    call,
    close(make) {
      closing ??= (async () => {
        if (!dead) await call(make).catch(() => undefined);
        await worker.terminate();
      })();
      return closing;
    },
  };
}
