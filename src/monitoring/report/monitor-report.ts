import { AccuracyCalibrator, AccuracyEstimateAccumulator, type AccuracyEstimate } from '../accuracy/accuracy-estimator.js';
import { estimateVersusReal, type EstimateVersusReal } from '../accuracy/estimate-versus-real.js';
import { latestLabels, realAccuracy, type JoinedFeedback, type RealAccuracy } from '../accuracy/real-accuracy.js';
import { DriftAccumulator } from '../drift/drift-accumulator.js';
import { runDriftReportOnSummary, type DriftReport } from '../drift/drift-report.js';
import { ValueCounts } from '../drift/value-counts.js';
import type { ReferenceProfile } from '../profile/reference-profile.js';
import type { AlertEventRecord, MonitoringStore } from '../store/monitoring-store.js';
import type { PredictionColumns, PredictionStream } from '../store/prediction-columns.js';
import { buildCostReport, type CostReport } from './cost-report.js';

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
  /**
   * The estimate against the labels, on the window's labelled predictions of this variant and
   * model (estimate-versus-real.ts); null without a profile or without labels.
   */
  readonly estimateVersusReal: EstimateVersusReal | null;
  readonly drift: DriftReport | null;
}

export interface MonitorReport {
  readonly endpoint: string;
  readonly window: ReportWindow;
  readonly variants: readonly VariantReport[];
  readonly realAccuracy: RealAccuracy;
  readonly alerts: readonly AlertEventRecord[];
  /** CPU-seconds per million texts of each version that answered in the window (cost-report.ts). */
  readonly cost: CostReport;
}

/** What the report keeps of one variant and model version while the window streams past. */
interface Group {
  readonly variant: string; readonly model: string; readonly version: string; readonly modelSha256: string;
  readonly profile: ReferenceProfile | undefined;
  readonly calibrator: AccuracyCalibrator | undefined;
  readonly estimate: AccuracyEstimateAccumulator | undefined;
  readonly drift: DriftAccumulator | undefined;
  readonly latency: ValueCounts;
  predictions: number;
  from: number;
  to: number;
}

/**
 * Reads one window of an endpoint's log and puts beside each variant (and model version) its
 * traffic, latency, estimated accuracy (CBPE from the reference profile's calibration rows), that
 * estimate against the labels where labels came, and drift against the reference profile; real
 * accuracy comes from the joined feedback of the same span, and cost per prediction from the
 * serving processes' cost records of the same span.
 *
 * The window is read as column pages and summarised as it goes (latency and drift descriptors as
 * counts of distinct values, a fixed sample of rows for the domain classifier), so a window of a
 * million predictions costs about what one of 5,000 does in memory, and its figures are those of
 * the whole window in memory (test/monitoring/report/ compares them).
 */
export async function buildMonitorReport(store: MonitoringStore, endpoint: string, window: ReportWindow,
  loadProfile: (modelSha256: string) => Promise<ReferenceProfile | undefined>): Promise<MonitorReport> {
  const last = window.since === undefined && window.last === undefined ? DEFAULT_REPORT_LAST : window.last;
  const groups = new Map<string, Group>();
  const groupOf = async (s: PredictionStream): Promise<Group> => {
    const key = `${s.variant}\u0000${s.modelSha256}`;
    let g = groups.get(key);
    if (!g) {
      const profile = await loadProfile(s.modelSha256);
      const calibrator = profile ? AccuracyCalibrator.fit(profile.calibration) : undefined;
      g = {
        variant: s.variant, model: s.model, version: s.version, modelSha256: s.modelSha256, profile, calibrator,
        estimate: calibrator ? new AccuracyEstimateAccumulator(calibrator) : undefined,
        drift: profile ? new DriftAccumulator(profile) : undefined,
        latency: new ValueCounts(), predictions: 0, from: Infinity, to: -Infinity,
      };
      groups.set(key, g);
    }
    return g;
  };
  // Stream indices are stable over one scan (prediction-columns.ts): each is resolved to its group once.
  const groupOfStream: Group[] = [];
  for await (const page of store.scanPredictionColumns({ endpoint, since: window.since, until: window.until, last })) {
    while (groupOfStream.length < page.streams.length) groupOfStream.push(await groupOf(page.streams[groupOfStream.length]!));
    for (const [g, rows] of rowsByGroup(page, groupOfStream)) addRows(g, page, rows);
  }

  const since = window.since ?? minFrom(groups.values());
  const feedback = await store.listFeedback({ endpoint, since: undefined, until: window.until });
  // Real accuracy is measured on prediction time, so feedback joins count when their prediction is in the window.
  const inWindow = feedback.filter((f) => f.prediction !== null && (since === undefined || f.prediction.at >= since));
  const labelledByGroup = new Map<string, JoinedFeedback[]>();
  for (const f of latestLabels(inWindow).labels) {
    const key = `${f.prediction.variant}\u0000${f.prediction.modelSha256}`;
    const list = labelledByGroup.get(key);
    if (list) list.push(f); else labelledByGroup.set(key, [f]);
  }

  const variants: VariantReport[] = [];
  const counts: Record<string, number> = {};
  for (const [key, g] of groups) {
    counts[g.variant] = (counts[g.variant] ?? 0) + g.predictions;
    variants.push({
      variant: g.variant, model: g.model, version: g.version, modelSha256: g.modelSha256, predictions: g.predictions, from: g.from, to: g.to,
      latencyMs: { p50: g.latency.quantile(0.5), p99: g.latency.quantile(0.99) },
      estimatedAccuracy: g.estimate?.result() ?? null, referenceAccuracy: g.profile?.accuracy ?? null,
      estimateVersusReal: g.calibrator ? estimateVersusReal(g.calibrator, labelledByGroup.get(key) ?? []) : null,
      drift: g.profile && g.drift ? runDriftReportOnSummary(g.profile, g.drift.summary()) : null,
    });
  }
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return {
    endpoint, window: { ...window, ...(last !== undefined ? { last } : {}) },
    variants: variants.sort((a, b) => b.predictions - a.predictions),
    realAccuracy: realAccuracy(inWindow, { predictions: { total, byVariant: counts } }),
    alerts: await store.listAlertEvents({ endpoint, since, limit: 20 }),
    cost: await buildCostReport(store, endpoint, variants, { since, until: window.until }),
  };
}

/** The page's rows of each group: all of them (undefined) when one group answered the whole page, as it mostly does. */
function rowsByGroup(page: PredictionColumns, groupOfStream: readonly Group[]): Array<[Group, Int32Array | undefined]> {
  const n = page.length;
  if (n === 0) return [];
  const first = groupOfStream[page.stream[0]!]!;
  let mixed = false;
  for (let i = 1; i < n && !mixed; i++) mixed = groupOfStream[page.stream[i]!] !== first;
  if (!mixed) return [[first, undefined]];
  const lists = new Map<Group, number[]>();
  for (let i = 0; i < n; i++) {
    const g = groupOfStream[page.stream[i]!]!;
    const list = lists.get(g);
    if (list) list.push(i); else lists.set(g, [i]);
  }
  return [...lists].map(([g, rows]) => [g, Int32Array.from(rows)]);
}

function addRows(g: Group, page: PredictionColumns, rows: Int32Array | undefined): void {
  const count = rows ? rows.length : page.length;
  for (let k = 0; k < count; k++) {
    const i = rows ? rows[k]! : k;
    const at = page.at[i]!;
    if (at < g.from) g.from = at;
    if (at > g.to) g.to = at;
    g.latency.add(page.latencyMs[i]!);
    // Rounded to Float32: the report has always read scores as a Float32Array, and its figures stay the same.
    g.estimate?.add(Math.fround(page.score[i]!));
  }
  g.predictions += count;
  g.drift?.addColumns(page, rows);
}

function minFrom(groups: Iterable<Group>): number | undefined {
  let from = Infinity;
  for (const g of groups) from = Math.min(from, g.from);
  return Number.isFinite(from) ? from : undefined;
}
