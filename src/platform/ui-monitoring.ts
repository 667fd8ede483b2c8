import { decodeProfile } from '../monitoring/profile/profile-codec.js';
import type { ReferenceProfile } from '../monitoring/profile/reference-profile.js';
import { buildMonitorReport } from '../monitoring/report/monitor-report.js';
import type { MonitoringStore } from '../monitoring/store/monitoring-store.js';
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
  const recent = new Map<string, { readonly at: number; readonly answer: Promise<readonly TimelineWindow[]> }>();
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
      if (hit && Date.now() - hit.at < reuseMs) return hit.answer;
      const answer = computeTimeline(endpoint, windows);
      recent.set(key, { at: Date.now(), answer });
      answer.catch(() => recent.delete(key));
      return answer;
    },
  };

  async function computeTimeline(endpoint: string, windows: number): Promise<readonly TimelineWindow[]> {
    const span = (await store.listLoggedEndpoints()).find((e) => e.endpoint === endpoint);
    if (!span) return [];
    const end = span.last + 1;
    const width = Math.max(Math.ceil((end - span.first) / windows), 1);
    const out: TimelineWindow[] = [];
    for (let since = span.first; since < end; since += width) {
      const until = Math.min(since + width, end);
      // Each window's report is a few hundred ms of CPU on a big log: let other requests in between.
      await new Promise((resolve) => setImmediate(resolve));
      const report = await buildMonitorReport(store, endpoint, { since, until }, profile);
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

/** How long a computed timeline is reused (the newest window keeps filling meanwhile). */
const REUSE_MS = 15_000;
