import { realAccuracy, type ModelAccuracy } from '../accuracy/real-accuracy.js';
import type { MetricObservation } from '../alerts/alert-evaluator.js';
import { driftScore, estimatedAccuracyDrop } from '../alerts/alert-metrics.js';
import type { AlertMetric, AlertRule, AlertWindow } from '../alerts/alert-rule.js';
import { decodeProfile } from '../profile/profile-codec.js';
import type { ReferenceProfile } from '../profile/reference-profile.js';
import { buildMonitorReport, type ReportWindow, type VariantReport } from '../report/monitor-report.js';
import type { MonitoringStore } from '../store/monitoring-store.js';
import type { VariantSnapshot } from './monitor-event.js';

/** Metrics read from a monitor report (drift against the reference profile, CBPE estimate) of the rule's window. */
const REPORT_METRICS: ReadonlySet<AlertMetric> = new Set<AlertMetric>(['drift_score', 'drift_domain_auc', 'drift_distance_max', 'estimated_accuracy', 'estimated_accuracy_drop']);
/** Metrics read from delayed labels joined to their predictions. */
const LABEL_METRICS: ReadonlySet<AlertMetric> = new Set<AlertMetric>(['real_accuracy', 'real_accuracy_drop', 'labelled_share']);
/** The most log rows one latency figure reads. */
const LATENCY_ROWS = 50_000;

/** A value for a Prometheus gauge (MonitoringGauges), as data: the observer may run in another thread than the gauges. */
export type GaugeValue =
  | { readonly kind: 'drift'; readonly endpoint: string; readonly variant: string; readonly test: string; readonly value: number }
  | { readonly kind: 'accuracy'; readonly endpoint: string; readonly variant: string; readonly accuracy: 'real' | 'estimated'; readonly value: number };

export interface EndpointObservations {
  readonly observations: MetricObservation[];
  readonly variants: VariantSnapshot[];
  readonly gauges: GaugeValue[];
}

/** Where a monitor loop gets one endpoint's values: in its own thread (EndpointObserver) or from a worker thread. */
export interface ObservationSource {
  observe(endpoint: string, at: number): Promise<EndpointObservations>;
  close(): Promise<void>;
}

/**
 * The heavy half of an evaluation: for one endpoint, reads the log windows the rules ask for and
 * computes each variant's values (drift tests and the CBPE estimate through buildMonitorReport, real
 * accuracy from the joined labels, p99 latency from the log). Plain data out, so it can run in a
 * worker thread of a server (`serve --monitor`) while the evaluator stays with the sinks and gauges.
 */
export class EndpointObserver implements ObservationSource {
  private readonly profiles = new Map<string, ReferenceProfile>();

  /** latencyFromLog: false when a server's own histograms give p99 latency. */
  constructor(private readonly store: MonitoringStore, private readonly rules: readonly AlertRule[], private readonly latencyFromLog = true) {}

  async close(): Promise<void> {}

  private async profile(sha: string): Promise<ReferenceProfile | undefined> {
    const known = this.profiles.get(sha);
    if (known) return known;
    // Only found profiles are kept: one stored later (a model trained after the server started) is still picked up.
    const json = await this.store.getProfile(sha);
    if (json === undefined) return undefined;
    const p = decodeProfile(json);
    this.profiles.set(sha, p);
    return p;
  }

  private rulesOf(metrics: ReadonlySet<AlertMetric>, endpoint: string): AlertWindow[] {
    const windows = new Map<string, AlertWindow>();
    for (const r of this.rules) {
      if (metrics.has(r.metric) && (r.endpoint === null || r.endpoint === endpoint)) windows.set(r.window.text, r.window);
    }
    return [...windows.values()];
  }

  /** The rules' values for one endpoint at `at`, what the evaluation saw of each variant, and the gauge values. */
  async observe(endpoint: string, at: number): Promise<EndpointObservations> {
    const out: MetricObservation[] = [];
    const snapshots = new Map<string, { report?: VariantReport; real?: ModelAccuracy }>();
    const push = (metric: AlertMetric, variant: string | null, value: number | null, window: AlertWindow, samples?: number) => {
      if (value !== null && Number.isFinite(value)) out.push({ metric, endpoint, variant, value, at, window: window.text, samples });
    };
    const gauges: GaugeValue[] = [];

    for (const window of this.rulesOf(REPORT_METRICS, endpoint)) {
      const report = await buildMonitorReport(this.store, endpoint, reportWindow(window, at), (sha) => this.profile(sha));
      for (const v of currentModels(report.variants)) {
        const s = snapshots.get(v.variant) ?? {};
        s.report ??= v;
        snapshots.set(v.variant, s);
        if (v.drift) {
          const tests = v.drift.tests;
          push('drift_score', v.variant, driftScore(tests), window, v.predictions);
          push('drift_domain_auc', v.variant, tests.find((t) => t.kind === 'domain-classifier')?.value ?? null, window, v.predictions);
          const distances = tests.filter((t) => t.kind !== 'domain-classifier').map((t) => t.value);
          push('drift_distance_max', v.variant, distances.length > 0 ? Math.max(...distances) : null, window, v.predictions);
          for (const t of tests) gauges.push({ kind: 'drift', endpoint, variant: v.variant, test: t.name, value: t.value });
        }
        if (v.estimatedAccuracy) {
          push('estimated_accuracy', v.variant, v.estimatedAccuracy.estimated, window, v.predictions);
          push('estimated_accuracy_drop', v.variant, estimatedAccuracyDrop(v.estimatedAccuracy), window, v.predictions);
          if (v.estimatedAccuracy.estimated !== null) gauges.push({ kind: 'accuracy', endpoint, variant: v.variant, accuracy: 'estimated', value: v.estimatedAccuracy.estimated });
        }
      }
    }

    for (const window of this.rulesOf(LABEL_METRICS, endpoint)) {
      // Labels are few beside predictions; a rows window still reads a bounded number of them (the
      // newest 4N by label time hold the newest N by prediction time unless labels arrive very late).
      const feedback = await this.store.listFeedback(window.kind === 'rows'
        ? { endpoint, last: window.rows * 4 }
        : { endpoint, since: at - window.ms });
      const real = realAccuracy(feedback, { window: window.kind === 'rows' ? { last: window.rows } : { since: at - window.ms } });
      for (const m of currentModels(real.byModel.map((r) => ({ ...r, to: r.to ?? 0 })))) {
        const s = snapshots.get(m.variant) ?? {};
        s.real ??= m;
        snapshots.set(m.variant, s);
        push('real_accuracy', m.variant, m.accuracy, window, m.labelled);
        const profile = await this.profile(m.modelSha256);
        if (profile && m.accuracy !== null) push('real_accuracy_drop', m.variant, profile.accuracy - m.accuracy, window, m.labelled);
        if (m.from !== null && m.to !== null && this.rules.some((r) => r.metric === 'labelled_share')) {
          const predictions = await this.store.countPredictions({ endpoint, variant: m.variant, modelSha256: m.modelSha256, since: m.from, until: m.to + 1 });
          if (predictions > 0) push('labelled_share', m.variant, Math.min(1, m.labelled / predictions), window, m.labelled);
        }
        if (m.accuracy !== null) gauges.push({ kind: 'accuracy', endpoint, variant: m.variant, accuracy: 'real', value: m.accuracy });
      }
    }

    // Without the server's own histograms, latency comes from the log (what was answered, per variant).
    if (this.latencyFromLog) {
      for (const window of this.rulesOf(new Set<AlertMetric>(['latency_p99_ms']), endpoint)) {
        const latencies = new Map<string, number[]>();
        // At most the newest LATENCY_ROWS of the window: a busy endpoint's 5 minutes can be millions of
        // rows, and the p99 of the newest 50,000 is within a fraction of a millisecond of all of them.
        const w = reportWindow(window, at);
        for await (const page of this.store.scanPredictionColumns({ endpoint, ...w, last: Math.min(w.last ?? LATENCY_ROWS, LATENCY_ROWS) })) {
          for (let i = 0; i < page.length; i++) {
            const variant = page.streams[page.stream[i]!]!.variant;
            let list = latencies.get(variant);
            if (!list) latencies.set(variant, list = []);
            list.push(page.latencyMs[i]!);
          }
        }
        for (const [variant, list] of latencies) push('latency_p99_ms', variant, quantile(list, 0.99), window, list.length);
      }
    }

    const variants: VariantSnapshot[] = [...snapshots.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([variant, s]) => {
      const r = s.report;
      return {
        endpoint, variant, model: r?.model ?? s.real?.model ?? '', version: r?.version ?? s.real?.version ?? '', predictions: r?.predictions ?? 0,
        driftScore: r?.drift ? driftScore(r.drift.tests) : null, drift: r?.drift ? r.drift.drift : null,
        estimatedAccuracy: r?.estimatedAccuracy?.estimated ?? null, validationAccuracy: r?.referenceAccuracy ?? null,
        realAccuracy: s.real?.accuracy ?? null, labelled: s.real?.labelled ?? 0,
      };
    });
    return { observations: out, variants, gauges };
  }
}

function reportWindow(window: AlertWindow, at: number): ReportWindow {
  return window.kind === 'rows' ? { last: window.rows } : { since: at - window.ms, until: at + 1 };
}

/**
 * One entry per variant: the model version that answered last. A window that spans a promotion
 * holds two versions of one variant; the alert is about the one answering now.
 */
function currentModels<T extends { readonly variant: string; readonly to: number }>(items: readonly T[]): T[] {
  const best = new Map<string, T>();
  for (const v of items) {
    const seen = best.get(v.variant);
    if (!seen || v.to > seen.to) best.set(v.variant, v);
  }
  return [...best.values()];
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
