import type { MessagePort } from 'node:worker_threads';
import type { AlertRule } from '../alerts/alert-rule.js';
import type { MonitoringStore } from '../store/monitoring-store.js';
import { startThreadClient, type ThreadReply } from '../thread-client.js';
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

type Reply = ThreadReply<EndpointObservations | undefined>;

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
          post({ type: 'done', id: m.id, value: undefined });
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
  // Idle between evaluations, the thread must not keep the server's process alive.
  const thread = await startThreadClient<Request, EndpointObservations | undefined>(script, data, 'the monitor thread');
  return {
    async observe(endpoint, at) {
      const value = await thread.call((id) => ({ type: 'observe', id, endpoint, at }));
      if (!value) throw new Error('the monitor thread answered without values');
      return value;
    },
    close: () => thread.close((id) => ({ type: 'close', id })),
  };
}
