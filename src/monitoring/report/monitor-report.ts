import { AccuracyCalibrator, estimateAccuracy, type AccuracyEstimate } from '../accuracy/accuracy-estimator.js';
import { realAccuracy, type RealAccuracy } from '../accuracy/real-accuracy.js';
import { runDriftReport, type DriftReport } from '../drift/drift-report.js';
import type { DriftWindow } from '../drift/drift-window.js';
import type { ReferenceProfile } from '../profile/reference-profile.js';
import type { TextStats } from '../text-stats.js';
import type { AlertEventRecord, MonitoringStore } from '../store/monitoring-store.js';

/** Which predictions a report reads: the newest `last` of the endpoint, or a time range. */
export interface ReportWindow {
  readonly last?: number | undefined;
  readonly since?: number | undefined;
  readonly until?: number | undefined;
}

/** Default window: Evidently and NannyML both need a few thousand rows for stable figures; 5,000 is the issue's. */
export const DEFAULT_REPORT_LAST = 5000;

export interface VariantReport {
  readonly variant: string;
  readonly model: string;
  readonly version: string;
  readonly modelSha256: string;
  readonly predictions: number;
  readonly from: number;
  readonly to: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  /** Null when no reference profile is stored for this model (e.g. a file trained before profiles existed). */
  readonly estimatedAccuracy: AccuracyEstimate | null;
  readonly referenceAccuracy: number | null;
  readonly drift: DriftReport | null;
}

export interface MonitorReport {
  readonly endpoint: string;
  readonly window: ReportWindow;
  readonly variants: readonly VariantReport[];
  readonly realAccuracy: RealAccuracy;
  readonly alerts: readonly AlertEventRecord[];
}

interface Group {
  variant: string; model: string; version: string; modelSha256: string;
  stats: TextStats[]; labels: string[]; scores: number[]; texts: (string | null)[]; latency: number[]; from: number; to: number;
}

/**
 * Reads one window of an endpoint's log and puts beside each variant (and model version) its
 * traffic, latency, estimated accuracy (CBPE from the reference profile's calibration rows) and
 * drift against the reference profile; real accuracy comes from the joined feedback of the same span.
 */
export async function buildMonitorReport(store: MonitoringStore, endpoint: string, window: ReportWindow,
  loadProfile: (modelSha256: string) => Promise<ReferenceProfile | undefined>): Promise<MonitorReport> {
  const last = window.since === undefined && window.last === undefined ? DEFAULT_REPORT_LAST : window.last;
  const groups = new Map<string, Group>();
  for await (const page of store.scanPredictions({ endpoint, since: window.since, until: window.until, last })) {
    for (const r of page) {
      const key = `${r.variant}\u0000${r.modelSha256}`;
      let g = groups.get(key);
      if (!g) {
        g = { variant: r.variant, model: r.model, version: r.version, modelSha256: r.modelSha256, stats: [], labels: [], scores: [], texts: [], latency: [], from: r.at, to: r.at };
        groups.set(key, g);
      }
      g.stats.push(r.stats); g.labels.push(r.label); g.scores.push(r.score); g.texts.push(r.text); g.latency.push(r.latencyMs);
      if (r.at < g.from) g.from = r.at;
      if (r.at > g.to) g.to = r.at;
    }
  }
  const variants: VariantReport[] = [];
  let from = Infinity;
  const counts: Record<string, number> = {};
  for (const g of groups.values()) {
    from = Math.min(from, g.from);
    counts[g.variant] = (counts[g.variant] ?? 0) + g.labels.length;
    const profile = await loadProfile(g.modelSha256);
    const scores = Float32Array.from(g.scores);
    let estimated: AccuracyEstimate | null = null;
    let drift: DriftReport | null = null;
    if (profile) {
      estimated = estimateAccuracy(AccuracyCalibrator.fit(profile.calibration), scores);
      const w: DriftWindow = { stats: g.stats, labels: g.labels, scores, texts: g.texts };
      drift = runDriftReport(profile, w);
    }
    variants.push({
      variant: g.variant, model: g.model, version: g.version, modelSha256: g.modelSha256, predictions: g.labels.length, from: g.from, to: g.to,
      latencyMs: { p50: quantile(g.latency, 0.5), p99: quantile(g.latency, 0.99) },
      estimatedAccuracy: estimated, referenceAccuracy: profile?.accuracy ?? null, drift,
    });
  }
  const since = window.since ?? (Number.isFinite(from) ? from : undefined);
  const feedback = await store.listFeedback({ endpoint, since: undefined, until: window.until });
  // Real accuracy is measured on prediction time, so feedback joins count when their prediction is in the window.
  const inWindow = feedback.filter((f) => f.prediction !== null && (since === undefined || f.prediction.at >= since));
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return {
    endpoint, window: { ...window, ...(last !== undefined ? { last } : {}) },
    variants: variants.sort((a, b) => b.predictions - a.predictions),
    realAccuracy: realAccuracy(inWindow, { predictions: { total, byVariant: counts } }),
    alerts: await store.listAlertEvents({ endpoint, since, limit: 20 }),
  };
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
