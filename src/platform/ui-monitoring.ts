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
export function uiMonitoring(store: MonitoringStore): UiMonitoring {
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
      const end = span.last + 1;
      const width = Math.max(Math.ceil((end - span.first) / windows), 1);
      const out: TimelineWindow[] = [];
      for (let since = span.first; since < end; since += width) {
        const until = Math.min(since + width, end);
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
    },
  };
}
