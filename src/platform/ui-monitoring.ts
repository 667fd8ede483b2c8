import { decodeProfile } from '../monitoring/profile/profile-codec.js';
import type { ReferenceProfile } from '../monitoring/profile/reference-profile.js';
import { buildMonitorReport } from '../monitoring/report/monitor-report.js';
import type { MonitoringStore, StoredFeedback } from '../monitoring/store/monitoring-store.js';
import type { TimelineWindow, UiMonitoring } from '../server/routes/ui-backend.js';

/**
 * The dashboard's view of the prediction log over time: the endpoint's logged span cut into equal
 * windows, each summarised by the same report `lading monitor report` prints (drift against the
 * reference profile, the CBPE estimate, real accuracy from joined feedback). Windows are read one
 * after another, so the whole span is scanned once however many windows there are.
 */
export function uiMonitoring(store: MonitoringStore, options: { readonly reuseMs?: number } = {}): UiMonitoring {
  const reuseMs = options.reuseMs ?? REUSE_MS;
  // One computation per endpoint and window count at a time, its answer reused for a while: a
  // dashboard left open on several screens costs one report, not one per screen per refresh.
  const recent = new Map<string, TimelineEntry>();
  const profiles = new Map<string, Promise<ReferenceProfile | undefined>>();
  const profile = (sha: string) => {
    let p = profiles.get(sha);
    if (!p) profiles.set(sha, p = store.getProfile(sha).then((json) => (json === undefined ? undefined : decodeProfile(json))));
    return p;
  };
  return {
    endpoints: () => store.listLoggedEndpoints(),
    timeline(endpoint, windows) {
      const key = `${endpoint}\u0000${windows}`;
      const hit = recent.get(key);
      // In flight (shared, however long it takes), fresh, or already being refreshed: as it is.
      if (hit && (!hit.ready || hit.refreshing || Date.now() - hit.at < reuseMs)) return hit.answer;
      if (hit) {
        // Stale but computed: answer it now and compute the next one behind it. On 1M logged
        // predictions a computation takes 2-4 s (npm run bench:ui); only the first visitor of an
        // endpoint and window count waits for one, not whoever comes after each 15 s.
        hit.refreshing = true;
        const started = Date.now();
        computeTimeline(endpoint, windows).then((w) => { recent.set(key, { at: started, answer: Promise.resolve(w), ready: true, refreshing: false }); },
          () => { hit.refreshing = false; hit.at = Date.now(); }); // keep the old answer; try again after reuseMs
        return hit.answer;
      }
      const entry: TimelineEntry = { at: Date.now(), answer: computeTimeline(endpoint, windows), ready: false, refreshing: false };
      recent.set(key, entry);
      entry.answer.then(() => { entry.ready = true; }, () => { if (recent.get(key) === entry) recent.delete(key); });
      return entry.answer;
    },
  };

  async function computeTimeline(endpoint: string, windows: number): Promise<readonly TimelineWindow[]> {
    const span = (await store.listLoggedEndpoints()).find((e) => e.endpoint === endpoint);
    if (!span) return [];
    const end = span.last + 1;
    // Each window's report reads all the endpoint's feedback before its end (a label may name an
    // earlier prediction): read it once for every window (8 reads of 20,000 items were ~0.8 s).
    const reading = timelineReader(store, endpoint, end, await store.listFeedback({ endpoint, until: end }));
    const width = Math.max(Math.ceil((end - span.first) / windows), 1);
    const out: TimelineWindow[] = [];
    for (let since = span.first; since < end; since += width) {
      const until = Math.min(since + width, end);
      // Each window's report is a few hundred ms of CPU on a big log: let other requests in between.
      await new Promise((resolve) => setImmediate(resolve));
      const report = await buildMonitorReport(reading, endpoint, { since, until }, profile);
      out.push({
        since, until,
        variants: report.variants.map((v) => {
          const real = report.realAccuracy.byModel.find((m) => m.variant === v.variant && m.model === v.model && m.version === v.version);
          return {
            variant: v.variant, model: v.model, version: v.version, predictions: v.predictions,
            estimatedAccuracy: v.estimatedAccuracy?.estimated ?? null,
            realAccuracy: real?.accuracy ?? null, labelled: real?.labelled ?? 0,
            drift: (v.drift?.tests ?? []).map((t) => ({ name: t.name, value: t.value, threshold: t.threshold, drift: t.drift })),
            separatingTokens: (v.drift?.separatingTokens.current ?? []).slice(0, 10).map((t) => t.token),
          };
        }),
      });
    }
    return out;
  }
}

/**
 * The store as one timeline computation reads it:
 * - its column scan gives the event loop a turn after each page. An async generator that never
 *   waits for I/O hands its pages over in microtasks, so a window's whole scan (125,000 rows of
 *   1M, 300-600 ms) ran as one block and every request to this process, the cached answers
 *   included, waited behind it (bench:ui: p95 172 ms for a reused timeline);
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

interface TimelineEntry {
  /** When its computation started. */
  at: number;
  readonly answer: Promise<readonly TimelineWindow[]>;
  ready: boolean;
  /** A newer one is being computed behind it. */
  refreshing: boolean;
}

/** How long a computed timeline is reused before a newer one is computed behind it (the newest window keeps filling meanwhile). */
const REUSE_MS = 15_000;
