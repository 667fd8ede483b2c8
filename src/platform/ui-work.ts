import type { MessagePort } from 'node:worker_threads';
import type { Settings } from '../config/config.js';
import type { MonitoringStore } from '../monitoring/store/monitoring-store.js';
import type { Workspace } from '../registry/workspace.js';
import { startThreadClient, type ThreadClient, type ThreadReply } from '../monitoring/thread-client.js';
import type { TimelineWindow } from '../server/routes/ui-backend.js';
import { monitoringStoreSpec, type MonitoringStoreSpec } from './monitoring-store.js';
import { productionFigures, type ProductionFigures } from './production-figures.js';
import { timelineSource } from './ui-timeline.js';
import { versionEvaluation, type VersionEvaluation } from './version-evaluation.js';

/**
 * The dashboard's heavy reads, in a thread of its own with its own store connections (ui-thread.ts
 * is its entry): the monitoring timeline (seconds of CPU on a large log the first time) and a
 * version's evaluation (its artifact read and decoded, which for a big model is hundreds of MB,
 * and its production figures, tens of ms per 50,000 labels). The process's
 * event loop only posts a request and gets an answer, so under `lading serve` no prediction is
 * answered late for the dashboard, and under `lading ui` a cached page never waits behind a
 * computation. In a serving process the thread runs at the lowest priority (background-thread.ts):
 * it gets only the CPU serving leaves idle (on a busy machine its answers wait; predictions never).
 * `lading ui` serves nothing, so there it runs at normal priority.
 */
type Request =
  | { readonly type: 'timeline'; readonly id: number; readonly endpoint: string; readonly windows: number; readonly now: boolean }
  | { readonly type: 'production'; readonly id: number; readonly labels: readonly string[]; readonly modelSha256: string }
  | { readonly type: 'evaluation'; readonly id: number; readonly model: string; readonly version: number }
  | { readonly type: 'close'; readonly id: number };

type Value = readonly TimelineWindow[] | ProductionFigures | VersionEvaluation | null;

/** What the thread is started with. */
export interface UiWorkData {
  readonly store: MonitoringStoreSpec;
  /** Where the registry is (evaluations read artifacts from it); opened on the first evaluation. */
  readonly registry: Pick<Settings, 'home' | 'registryUrl' | 'registrySchema'>;
  /** Lowest priority: a serving process's thread. */
  readonly background: boolean;
}

/** The thread's data for a process's settings: plain values only (a worker's data is copied). */
export function uiWorkData(settings: UiWorkData['registry'], background: boolean): UiWorkData {
  const registry = { home: settings.home, registryUrl: settings.registryUrl, registrySchema: settings.registrySchema };
  return { store: monitoringStoreSpec(registry), registry, background };
}

/** The thread's side: opens the store, then answers requests as they come (a production read need not wait for a timeline). */
export async function serveUiWork(port: MessagePort, data: UiWorkData, open: {
  readonly store: (spec: MonitoringStoreSpec) => Promise<MonitoringStore>;
  readonly workspace: (where: UiWorkData['registry']) => Promise<Workspace>;
}): Promise<void> {
  const post = (m: ThreadReply<Value>) => port.postMessage(m);
  let store: MonitoringStore;
  let workspace: Promise<Workspace> | undefined;
  try {
    store = await open.store(data.store);
  } catch (e) {
    post({ type: 'open-failed', message: e instanceof Error ? e.message : String(e) });
    port.close();
    return;
  }
  // Windows the log has moved past are read once and kept in the monitoring store, so a restarted thread reads none of them again (ui-timeline.ts).
  const timelines = timelineSource(store);
  port.on('message', (m: Request) => {
    void (async () => {
      try {
        if (m.type === 'timeline') post({ type: 'done', id: m.id, value: await (m.now ? timelines.timelineNow(m.endpoint, m.windows) : timelines.timeline(m.endpoint, m.windows)) });
        else if (m.type === 'production') post({ type: 'done', id: m.id, value: await productionFigures(store, m.labels, m.modelSha256) });
        else if (m.type === 'evaluation') {
          const ws = await (workspace ??= open.workspace(data.registry));
          post({ type: 'done', id: m.id, value: await versionEvaluation(ws, m.model, m.version, (labels, sha) => productionFigures(store, labels, sha)) });
        } else {
          (await workspace?.catch(() => undefined))?.close();
          await store.close();
          post({ type: 'done', id: m.id, value: null });
          port.close();
        }
      } catch (e) {
        post({ type: 'failed', id: m.id, message: e instanceof Error ? e.message : String(e) });
      }
    })();
  });
  post({ type: 'ready' });
}

/**
 * The process's side: the thread starts on the first request (a serving process nobody opens the
 * dashboard of never starts it) and again after it failed to start; close() ends it.
 */
export class UiWorkThread {
  private client: Promise<ThreadClient<Request, Value>> | undefined;
  private closed = false;

  constructor(private readonly data: UiWorkData, private readonly script = new URL('./ui-thread.js', import.meta.url)) {}

  /** The complete timeline; with `now`, at once with the windows not computed yet pending (timelineNow, ui-timeline.ts). */
  async timeline(endpoint: string, windows: number, now = false): Promise<readonly TimelineWindow[]> {
    return (await this.call((id) => ({ type: 'timeline', id, endpoint, windows, now }))) as readonly TimelineWindow[];
  }

  /** versionEvaluation with production figures; the caller checks the version exists (the thread's errors come back as messages only). */
  async evaluation(model: string, version: number): Promise<VersionEvaluation> {
    return (await this.call((id) => ({ type: 'evaluation', id, model, version }))) as VersionEvaluation;
  }

  async production(labels: readonly string[], modelSha256: string): Promise<ProductionFigures | null> {
    return (await this.call((id) => ({ type: 'production', id, labels, modelSha256 }))) as ProductionFigures | null;
  }

  /** close() was called: a request failing now failed because of it. */
  get closing(): boolean {
    return this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = await this.client?.catch(() => undefined);
    await client?.close((id) => ({ type: 'close', id }));
  }

  private async call(make: (id: number) => Request): Promise<Value> {
    if (this.closed) throw new Error('the dashboard thread is closed');
    if (!this.client) {
      // Kept alive while a request is outstanding (an awaited answer must come), never while idle.
      const starting = startThreadClient<Request, Value>(this.script, this.data, 'the dashboard thread', { refWhilePending: true });
      this.client = starting;
      starting.catch(() => { if (this.client === starting) this.client = undefined; });
    }
    return (await this.client).call(make);
  }
}
