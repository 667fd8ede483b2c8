import { Worker, type MessagePort } from 'node:worker_threads';
import type { AlertRule } from '../alerts/alert-rule.js';
import type { MonitoringStore } from '../store/monitoring-store.js';
import { EndpointObserver, type EndpointObservations, type ObservationSource } from './endpoint-observer.js';

/**
 * An EndpointObserver in a thread of its own, for the monitor loop inside a server: the drift tests,
 * the domain classifier and the log scans of an evaluation (most of a second for a few thousand
 * predictions) never hold the server's event loop, so requests are not answered late while it
 * runs. The thread opens its own store connection (its entry in platform/ knows the adapter).
 */
type Request =
  | { readonly type: 'observe'; readonly id: number; readonly endpoint: string; readonly at: number }
  | { readonly type: 'close'; readonly id: number };

type Reply =
  | { readonly type: 'ready' }
  | { readonly type: 'open-failed'; readonly message: string }
  | { readonly type: 'done'; readonly id: number; readonly value?: EndpointObservations }
  | { readonly type: 'failed'; readonly id: number; readonly message: string };

/** What the thread is given: its rules, whether the server's histograms give latency, and what its entry needs to open the store. */
export interface ObserverWorkerData {
  readonly rules: readonly AlertRule[];
  readonly latencyFromLog: boolean;
  readonly store: unknown;
}

/** The thread's side: opens the store, then answers observe requests one after another. */
export async function serveEndpointObserver(port: MessagePort, data: ObserverWorkerData, open: (store: unknown) => Promise<MonitoringStore>): Promise<void> {
  const post = (m: Reply) => port.postMessage(m);
  let store: MonitoringStore;
  try {
    store = await open(data.store);
  } catch (e) {
    post({ type: 'open-failed', message: e instanceof Error ? e.message : String(e) });
    port.close();
    return;
  }
  const observer = new EndpointObserver(store, data.rules, data.latencyFromLog);
  // One at a time: two evaluations' windows in memory at once would only double the peak.
  let chain: Promise<void> = Promise.resolve();
  port.on('message', (m: Request) => {
    chain = chain.then(async () => {
      try {
        if (m.type === 'observe') post({ type: 'done', id: m.id, value: await observer.observe(m.endpoint, m.at) });
        else {
          await store.close();
          post({ type: 'done', id: m.id });
          port.close();
        }
      } catch (e) {
        post({ type: 'failed', id: m.id, message: e instanceof Error ? e.message : String(e) });
      }
    });
  });
  post({ type: 'ready' });
}

/** Starts the thread (`script` is its entry); resolves once its store is open. */
export async function startWorkerObserver(script: URL, data: ObserverWorkerData): Promise<ObservationSource> {
  const worker = new Worker(script, { workerData: data });
  const pending = new Map<number, { resolve(v: EndpointObservations | undefined): void; reject(e: Error): void }>();
  let nextId = 1;
  let dead: Error | undefined;
  const failAll = (e: Error) => {
    dead ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    worker.once('message', (m: Reply) => {
      worker.off('error', onError);
      if (m.type === 'ready') resolve();
      else { void worker.terminate(); reject(new Error(m.type === 'open-failed' ? m.message : `unexpected ${m.type} from the monitor thread`)); }
    });
    worker.once('error', onError);
  });
  worker.on('message', (m: Reply) => {
    if (m.type !== 'done' && m.type !== 'failed') return;
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.type === 'done') p.resolve(m.value);
    else p.reject(new Error(m.message));
  });
  worker.on('error', (e) => failAll(e));
  worker.on('exit', (code) => failAll(new Error(`the monitor thread exited (code ${code})`)));
  // Idle between evaluations, the thread must not keep the server's process alive.
  worker.unref();
  const call = (request: (id: number) => Request): Promise<EndpointObservations | undefined> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage(request(id));
    });
  };
  let closing: Promise<void> | undefined;
  return {
    async observe(endpoint, at) {
      const value = await call((id) => ({ type: 'observe', id, endpoint, at }));
      if (!value) throw new Error('the monitor thread answered without values');
      return value;
    },
    close() {
      closing ??= (async () => {
        if (!dead) await call((id) => ({ type: 'close', id })).catch(() => undefined);
        await worker.terminate();
      })();
      return closing;
    },
  };
}
