import { realAccuracy } from '../monitoring/accuracy/real-accuracy.js';
import { decodeProfile } from '../monitoring/profile/profile-codec.js';
import type { ReferenceProfile } from '../monitoring/profile/reference-profile.js';
import { buildMonitorReport } from '../monitoring/report/monitor-report.js';
import type { MonitoringStore, StoredFeedback } from '../monitoring/store/monitoring-store.js';
import type { TimelineVariant, TimelineWindow } from '../server/routes/ui-backend.js';
import { gridCells, gridWidth, type GridCell } from './ui-timeline-grid.js';

/** Computes an endpoint's timeline: `windows` is how many windows the page asks for (the grid may give one more). */
export interface TimelineSource {
  endpoints(): Promise<Array<{ endpoint: string; rows: number; first: number; last: number }>>;
  timeline(endpoint: string, windows: number): Promise<readonly TimelineWindow[]>;
}

/** What a window's report says of one variant apart from real accuracy: fixed once the log has moved past the window. */
type PredictionSide = Omit<TimelineVariant, 'realAccuracy' | 'labelled'>;

interface KeptCell {
  readonly variants: readonly PredictionSide[];
  /** The log's first row when it was read: retention that later removes rows inside the window makes it stale. */
  readonly first: number;
}

export interface TimelineOptions {
  /**
   * How long after a window's end rows may still arrive for it (a log writer's batch, another
   * replica's): a window is kept once the log has a row after its end and this long has passed.
   */
  readonly settleMs?: number | undefined;
  readonly now?: (() => number) | undefined;
  /** Called with each window whose predictions were read (tests count them). */
  readonly onRead?: ((endpoint: string, cell: GridCell) => void) | undefined;
}

/** Windows kept at most (8-48 per endpoint and width): beyond it the oldest kept goes. */
const MAX_KEPT = 5_000;
const SETTLE_MS = 5 * 60_000;

/**
 * The dashboard's view of the prediction log over time: the endpoint's logged span cut on a fixed
 * time grid (ui-timeline-grid.ts), each window summarised by the report `lading monitor report`
 * prints (buildMonitorReport) built over its time range (drift against the reference profile, the
 * CBPE estimate, real accuracy from joined feedback). A window's predictions are read once: after the log moved
 * past it (and SETTLE_MS), its drift and estimate are kept, and later timelines read only the
 * newest window. Real accuracy is worked out again for every window each time from one read of the
 * feedback (labels may come for old answers; ~20 ms for 20,000 labels), as the report does.
 * On 1M logged predictions reading every window costs 1.5-3 s (npm run bench:ui); the dashboard
 * runs this in a thread of its own (ui-work.ts) so no request waits behind it.
 */
export function timelineSource(store: MonitoringStore, options: TimelineOptions = {}): TimelineSource {
  const settleMs = options.settleMs ?? SETTLE_MS;
  const now = options.now ?? Date.now;
  const kept = new Map<string, KeptCell>();
  const profiles = new Map<string, Promise<ReferenceProfile | undefined>>();
  const profile = (sha: string) => {
    let p = profiles.get(sha);
    if (!p) profiles.set(sha, p = store.getProfile(sha).then((json) => (json === undefined ? undefined : decodeProfile(json))));
    return p;
  };
  return {
    endpoints: () => store.listLoggedEndpoints(),
    async timeline(endpoint, windows) {
      const span = (await store.listLoggedEndpoints()).find((e) => e.endpoint === endpoint);
      if (!span) return [];
      const cells = gridCells(span.first, span.last + 1, gridWidth(span.first, span.last + 1, windows));
      const width = cells[0]!.until - cells[0]!.since;
      // Each window's report reads the endpoint's feedback before its end: read once for all of them.
      const feedback = await store.listFeedback({ endpoint, until: cells.at(-1)!.until });
      const reading = timelineReader(store, endpoint, cells.at(-1)!.until, feedback);
      const out: TimelineWindow[] = [];
      for (const cell of cells) {
        const key = `${endpoint}\u0000${width}\u0000${cell.since}`;
        let side = kept.get(key);
        if (side && span.first > side.first && span.first > cell.since) side = undefined; // rows of it were pruned since
        if (!side) {
          const closed = cell.until <= span.last && cell.until + settleMs <= now();
          options.onRead?.(endpoint, cell);
          // A window's report is a few hundred ms of CPU on a big log: let other work in between.
          await new Promise((resolve) => setImmediate(resolve));
          side = { variants: await predictionSide(reading, endpoint, cell, profile), first: span.first };
          if (closed) keep(kept, key, side);
        }
        const real = windowRealAccuracy(feedback, cell);
        out.push({
          since: cell.since, until: cell.until,
          variants: side.variants.map((v) => {
            const r = real.find((m) => m.variant === v.variant && m.model === v.model && m.version === v.version);
            return { ...v, realAccuracy: r?.accuracy ?? null, labelled: r?.labelled ?? 0 };
          }),
        });
      }
      return out;
    },
  };
}

function keep(kept: Map<string, KeptCell>, key: string, cell: KeptCell): void {
  kept.set(key, cell);
  if (kept.size > MAX_KEPT) kept.delete(kept.keys().next().value!);
}

async function predictionSide(store: MonitoringStore, endpoint: string, cell: GridCell, profile: (sha: string) => Promise<ReferenceProfile | undefined>): Promise<PredictionSide[]> {
  const report = await buildMonitorReport(store, endpoint, { since: cell.since, until: cell.until }, profile);
  return report.variants.map((v) => ({
    variant: v.variant, model: v.model, version: v.version, predictions: v.predictions,
    estimatedAccuracy: v.estimatedAccuracy?.estimated ?? null,
    drift: (v.drift?.tests ?? []).map((t) => ({ name: t.name, value: t.value, threshold: t.threshold, drift: t.drift })),
    separatingTokens: (v.drift?.separatingTokens.current ?? []).slice(0, 10).map((t) => t.token),
  }));
}

/**
 * Real accuracy per variant and model version over one window, as buildMonitorReport works it out:
 * labels given before the window's end whose prediction is in the window, the newest per prediction.
 */
function windowRealAccuracy(feedback: readonly StoredFeedback[], cell: GridCell) {
  const inWindow = feedback.filter((f) => f.time < cell.until && f.prediction !== null && f.prediction.at >= cell.since);
  return realAccuracy(inWindow).byModel;
}

/**
 * The store as one timeline computation reads it:
 * - its column scan gives the event loop a turn after each page (an async generator that never
 *   waits for I/O hands its pages over in microtasks, so a window's whole scan ran as one block);
 * - the endpoint's feedback before a time up to `end` comes from `feedback` (the store's answer for
 *   `until: end`, oldest first), filtered as the store's query filters it;
 * - everything else is the store's own, through a Proxy so a class instance keeps its `this`.
 */
function timelineReader(store: MonitoringStore, endpoint: string, end: number, feedback: readonly StoredFeedback[]): MonitoringStore {
  const scan: MonitoringStore['scanPredictionColumns'] = async function* (query, pageSize) {
    for await (const page of store.scanPredictionColumns(query, pageSize)) {
      yield page;
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const listFeedback: MonitoringStore['listFeedback'] = async (q) => {
    const before = q.until ?? Infinity;
    const readOnce = q.endpoint === endpoint && q.since === undefined && q.variant === undefined && q.modelSha256 === undefined && q.last === undefined
      && before <= end;
    return readOnce ? feedback.filter((f) => f.time < before) : store.listFeedback(q);
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'scanPredictionColumns') return scan;
      if (prop === 'listFeedback') return listFeedback;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
