import { realAccuracy, type ModelAccuracy } from '../accuracy/real-accuracy.js';
import { AlertEvaluator, type ActiveAlert, type MetricObservation } from '../alerts/alert-evaluator.js';
import { driftScore, estimatedAccuracyDrop } from '../alerts/alert-metrics.js';
import type { AlertMetric, AlertRule, AlertWindow } from '../alerts/alert-rule.js';
import { AlertDispatcher, type AlertSink } from '../alerts/alert-sink.js';
import type { MonitoringGauges } from '../alerts/monitoring-gauges.js';
import { decodeProfile } from '../profile/profile-codec.js';
import type { ReferenceProfile } from '../profile/reference-profile.js';
import { buildMonitorReport, type ReportWindow, type VariantReport } from '../report/monitor-report.js';
import type { AlertEventRecord, MonitoringStore } from '../store/monitoring-store.js';
import { readAlertState, writeAlertState } from './alert-state-file.js';
import type { EvaluationSummary, MonitorEvent, VariantSnapshot } from './monitor-event.js';
import { SignalHistory, type ServerSignals } from './server-signals.js';

export interface MonitorLoopOptions {
  readonly store: MonitoringStore;
  readonly rules: readonly AlertRule[];
  /** The endpoints to watch (a list, or asked each evaluation); default: every endpoint with logged predictions. */
  readonly endpoints?: readonly string[] | (() => readonly string[]) | undefined;
  readonly intervalMs: number;
  /** Where transitions go (stdout, webhook, the alert history); closed by stop(). */
  readonly sinks?: readonly AlertSink[] | undefined;
  /** The alert state file (alert-state-file.ts); without one, state lives only as long as the loop. */
  readonly statePath?: string | undefined;
  /** The serving process's own counters, when the loop runs inside it: error rate, p99 latency, log drops. */
  readonly signals?: ServerSignals | undefined;
  /** Prometheus gauges to keep current (drift scores, accuracies, alert state). */
  readonly gauges?: MonitoringGauges | undefined;
  /** Unref the timer (inside a server, the loop must not keep the process alive). */
  readonly unref?: boolean | undefined;
  readonly now?: (() => number) | undefined;
  /** An evaluation that failed as a whole, or one endpoint of it (the loop goes on). */
  readonly onError?: ((e: unknown) => void) | undefined;
}

/** Metrics read from a monitor report (drift against the reference profile, CBPE estimate) of the rule's window. */
const REPORT_METRICS: ReadonlySet<AlertMetric> = new Set<AlertMetric>(['drift_score', 'drift_domain_auc', 'drift_distance_max', 'estimated_accuracy', 'estimated_accuracy_drop']);
/** Metrics read from delayed labels joined to their predictions. */
const LABEL_METRICS: ReadonlySet<AlertMetric> = new Set<AlertMetric>(['real_accuracy', 'real_accuracy_drop', 'labelled_share']);
/** The most log rows one latency figure reads. */
const LATENCY_ROWS = 50_000;
/** Process-wide figures (the prediction log's drops) are observed under this endpoint name. */
export const SERVER_ENDPOINT = '*';

/**
 * The monitor: every interval, for each watched endpoint, computes the values the alert rules ask
 * for (per variant, over each rule's window), feeds the AlertEvaluator, sends the transitions to the
 * sinks and to subscribers, and saves the evaluator's state. One evaluation runs at a time; the next
 * is scheduled when one ends, so a slow store stretches the interval instead of piling evaluations up.
 */
export class MonitorLoop {
  private readonly evaluator: AlertEvaluator;
  private readonly dispatcher: AlertDispatcher;
  private readonly listeners = new Set<(e: MonitorEvent) => void>();
  private readonly profiles = new Map<string, ReferenceProfile>();
  private readonly history: SignalHistory | undefined;
  private readonly now: () => number;
  /** Alerts of rules that no longer exist, restored as firing: resolved by the first evaluation. */
  private orphans: AlertEventRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<EvaluationSummary> | undefined;
  private stopping: Promise<void> | undefined;
  private evaluations = 0;

  constructor(private readonly options: MonitorLoopOptions) {
    this.now = options.now ?? Date.now;
    this.evaluator = new AlertEvaluator(options.rules);
    this.dispatcher = new AlertDispatcher([...(options.gauges ? [options.gauges.sink()] : []), ...(options.sinks ?? [])]);
    if (options.statePath !== undefined) {
      const saved = readAlertState(options.statePath);
      if (saved !== undefined) {
        const { orphaned } = this.evaluator.importState(saved);
        const at = this.now();
        this.orphans = orphaned.map((a) => ({
          id: a.id, state: 'resolved', rule: a.rule, endpoint: a.endpoint, variant: a.variant, at, value: a.value, threshold: a.threshold,
          message: `${a.rule}: the rule no longer exists, so its alert on endpoint ${a.endpoint}${a.variant === null ? '' : ` variant ${a.variant}`} is resolved`,
        }));
      }
    }
    options.gauges?.restore(this.evaluator.active());
    if (options.signals) {
      const longest = Math.max(0, ...options.rules.map((r) => (r.window.kind === 'duration' ? r.window.ms : 0)));
      this.history = new SignalHistory(this.now(), longest);
    }
  }

  /** Every event from now on; returns the unsubscribe function. A listener that throws is ignored. */
  subscribe(listener: (e: MonitorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  active(): ActiveAlert[] { return this.evaluator.active(); }

  get evaluationCount(): number { return this.evaluations; }

  /** Evaluates now (after the one running, if any). */
  evaluate(): Promise<EvaluationSummary> {
    const previous = this.running ?? Promise.resolve(undefined);
    const next = previous.catch(() => undefined).then(() => this.evaluateNow());
    this.running = next;
    void next.catch(() => undefined).finally(() => { if (this.running === next) this.running = undefined; });
    return next;
  }

  /** Evaluates every intervalMs until stop(); the first evaluation at once, or after one interval. */
  start(options: { readonly immediately?: boolean } = {}): void {
    if (this.stopping || this.timer) return;
    const tick = () => {
      this.timer = undefined;
      void this.evaluate().catch((e: unknown) => this.options.onError?.(e)).finally(() => {
        if (!this.stopping) schedule(this.options.intervalMs);
      });
    };
    const schedule = (ms: number) => {
      this.timer = setTimeout(tick, ms);
      if (this.options.unref) this.timer.unref();
    };
    schedule(options.immediately ? 0 : this.options.intervalMs);
  }

  /** Stops the timer, lets the running evaluation finish, saves the state and closes the sinks (bounded by timeoutMs). */
  stop(timeoutMs = 5_000): Promise<void> {
    this.stopping ??= (async () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      await this.running?.catch(() => undefined);
      this.saveState();
      await this.dispatcher.close(timeoutMs);
    })();
    return this.stopping;
  }

  private saveState(): void {
    if (this.options.statePath === undefined) return;
    try {
      writeAlertState(this.options.statePath, this.evaluator.exportState(), this.now());
    } catch (e) {
      this.options.onError?.(e);
    }
  }

  private emit(e: MonitorEvent): void {
    for (const l of this.listeners) {
      try { l(e); } catch { /* a subscriber's failure is its own */ }
    }
  }

  private async evaluateNow(): Promise<EvaluationSummary> {
    const started = performance.now();
    const at = this.now();
    const errors: Array<{ endpoint: string; message: string }> = [];
    const endpoints = await this.endpointsToWatch();
    const observations: MetricObservation[] = [];
    const variants: VariantSnapshot[] = [];
    let counters: Awaited<ReturnType<ServerSignals['read']>> | undefined;
    if (this.options.signals && this.history) {
      try {
        counters = await this.options.signals.read();
        this.history.add(at, counters);
      } catch (e) {
        errors.push({ endpoint: SERVER_ENDPOINT, message: message(e) });
      }
    }
    for (const endpoint of endpoints) {
      try {
        const found = await this.observeEndpoint(endpoint, at);
        observations.push(...found.observations);
        variants.push(...found.variants);
      } catch (e) {
        errors.push({ endpoint, message: message(e) });
        this.options.onError?.(e);
      }
    }
    if (counters) observations.push(...this.observeServer(at, endpoints));
    const events = [...this.orphans, ...this.evaluator.observe(observations)];
    this.orphans = [];
    this.dispatcher.dispatch(events);
    for (const e of events) this.emit({ type: 'alert', ...e });
    // After the sinks have the events: a crash between the two re-sends an alert rather than losing one.
    this.saveState();
    this.evaluations++;
    const summary: EvaluationSummary = {
      type: 'evaluation', at, durationMs: Math.round(performance.now() - started), endpoints, variants, observations: observations.length,
      fired: events.filter((e) => e.state === 'fired').length, resolved: events.filter((e) => e.state === 'resolved').length,
      active: this.evaluator.active(), errors,
    };
    this.emit(summary);
    return summary;
  }

  private async endpointsToWatch(): Promise<string[]> {
    const e = this.options.endpoints;
    if (typeof e === 'function') return [...e()];
    if (e !== undefined) return [...e];
    return (await this.options.store.listLoggedEndpoints()).map((l) => l.endpoint);
  }

  private async profile(sha: string): Promise<ReferenceProfile | undefined> {
    const known = this.profiles.get(sha);
    if (known) return known;
    // Only found profiles are kept: one stored later (a model trained after the server started) is still picked up.
    const json = await this.options.store.getProfile(sha);
    if (json === undefined) return undefined;
    const p = decodeProfile(json);
    this.profiles.set(sha, p);
    return p;
  }

  private rulesOf(metrics: ReadonlySet<AlertMetric>, endpoint: string): AlertWindow[] {
    const windows = new Map<string, AlertWindow>();
    for (const r of this.options.rules) {
      if (metrics.has(r.metric) && (r.endpoint === null || r.endpoint === endpoint)) windows.set(r.window.text, r.window);
    }
    return [...windows.values()];
  }

  private async observeEndpoint(endpoint: string, at: number): Promise<{ observations: MetricObservation[]; variants: VariantSnapshot[] }> {
    const out: MetricObservation[] = [];
    const snapshots = new Map<string, { report?: VariantReport; real?: ModelAccuracy }>();
    const push = (metric: AlertMetric, variant: string | null, value: number | null, window: AlertWindow, samples?: number) => {
      if (value !== null && Number.isFinite(value)) out.push({ metric, endpoint, variant, value, at, window: window.text, samples });
    };
    const gauges = this.options.gauges;

    for (const window of this.rulesOf(REPORT_METRICS, endpoint)) {
      const report = await buildMonitorReport(this.options.store, endpoint, reportWindow(window, at), (sha) => this.profile(sha));
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
          if (gauges) for (const t of tests) gauges.setDrift(endpoint, v.variant, t.name, t.value);
        }
        if (v.estimatedAccuracy) {
          push('estimated_accuracy', v.variant, v.estimatedAccuracy.estimated, window, v.predictions);
          push('estimated_accuracy_drop', v.variant, estimatedAccuracyDrop(v.estimatedAccuracy), window, v.predictions);
          if (gauges && v.estimatedAccuracy.estimated !== null) gauges.setAccuracy(endpoint, v.variant, 'estimated', v.estimatedAccuracy.estimated);
        }
      }
    }

    for (const window of this.rulesOf(LABEL_METRICS, endpoint)) {
      // Labels are few beside predictions; a rows window still reads a bounded number of them (the
      // newest 4N by label time hold the newest N by prediction time unless labels arrive very late).
      const feedback = await this.options.store.listFeedback(window.kind === 'rows'
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
        if (m.from !== null && m.to !== null && this.options.rules.some((r) => r.metric === 'labelled_share')) {
          const predictions = await this.options.store.countPredictions({ endpoint, variant: m.variant, modelSha256: m.modelSha256, since: m.from, until: m.to + 1 });
          if (predictions > 0) push('labelled_share', m.variant, Math.min(1, m.labelled / predictions), window, m.labelled);
        }
        if (gauges && m.accuracy !== null) gauges.setAccuracy(endpoint, m.variant, 'real', m.accuracy);
      }
    }

    // Without the server's own histograms, latency comes from the log (what was answered, per variant).
    if (!this.history) {
      for (const window of this.rulesOf(new Set<AlertMetric>(['latency_p99_ms']), endpoint)) {
        const latencies = new Map<string, number[]>();
        // At most the newest LATENCY_ROWS of the window: a busy endpoint's 5 minutes can be millions of
        // rows, and the p99 of the newest 50,000 is within a fraction of a millisecond of all of them.
        const w = reportWindow(window, at);
        for await (const page of this.options.store.scanPredictionColumns({ endpoint, ...w, last: Math.min(w.last ?? LATENCY_ROWS, LATENCY_ROWS) })) {
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
    return { observations: out, variants };
  }

  /** Error rate and p99 latency per endpoint (and variant), and the log's drops, from the server's counters. */
  private observeServer(at: number, endpoints: readonly string[]): MetricObservation[] {
    const h = this.history!;
    const out: MetricObservation[] = [];
    for (const r of this.options.rules) {
      if (r.window.kind !== 'duration') continue; // counters have no notion of "the last N rows"
      const ms = r.window.ms;
      if (r.metric === 'log_drops') {
        out.push({ metric: r.metric, endpoint: SERVER_ENDPOINT, variant: null, value: h.logDrops(ms), at, window: r.window.text });
        continue;
      }
      for (const endpoint of endpoints) {
        if (r.endpoint !== null && r.endpoint !== endpoint) continue;
        if (r.metric === 'error_rate') {
          const e = h.errorRate(endpoint, ms);
          out.push({ metric: r.metric, endpoint, variant: null, value: e.value, samples: e.samples, at, window: r.window.text });
        } else if (r.metric === 'latency_p99_ms') {
          for (const variant of h.variants(endpoint)) {
            const l = h.latencyP99(endpoint, variant, ms);
            out.push({ metric: r.metric, endpoint, variant, value: l.value, samples: l.samples, at, window: r.window.text });
          }
        }
      }
    }
    // Two rules of one metric and window would otherwise feed each value twice (the evaluator matches every rule).
    const seen = new Set<string>();
    return out.filter((o) => {
      const key = `${o.metric}\0${o.endpoint}\0${o.variant ?? ''}\0${o.window ?? ''}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
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

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
