import { AlertEvaluator, type ActiveAlert, type MetricObservation } from '../alerts/alert-evaluator.js';
import type { AlertRule } from '../alerts/alert-rule.js';
import { AlertDispatcher, type AlertSink } from '../alerts/alert-sink.js';
import type { MonitoringGauges } from '../alerts/monitoring-gauges.js';
import type { AlertEventRecord, MonitoringStore } from '../store/monitoring-store.js';
import { readAlertState, writeAlertState } from './alert-state-file.js';
import { EndpointObserver, type ObservationSource } from './endpoint-observer.js';
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
  /** Where the endpoints' values are computed; default an EndpointObserver on `store` in this thread (closed by stop()). */
  readonly source?: ObservationSource | undefined;
  /** Prometheus gauges to keep current (drift scores, accuracies, alert state). */
  readonly gauges?: MonitoringGauges | undefined;
  /** Unref the timer (inside a server, the loop must not keep the process alive). */
  readonly unref?: boolean | undefined;
  readonly now?: (() => number) | undefined;
  /** An evaluation that failed as a whole, or a state file that could not be written (the loop goes on); one endpoint's failure is in its summary's `errors`. */
  readonly onError?: ((e: unknown) => void) | undefined;
}

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
  private readonly source: ObservationSource;
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
    this.source = options.source ?? new EndpointObserver(options.store, options.rules, options.signals === undefined);
    this.dispatcher = new AlertDispatcher([...(options.gauges ? [options.gauges.sink()] : []), ...(options.sinks ?? [])]);
    if (options.statePath !== undefined) {
      const saved = readAlertState(options.statePath);
      if (saved !== undefined) {
        const { orphaned } = this.evaluator.importState(saved.evaluator);
        // What a receiver had not got when the last run saved its state: at least once, so a
        // webhook that was down when an alert fired or resolved still hears of it.
        if (saved.outbox) this.dispatcher.resend(saved.outbox);
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
    if (this.stopping) return Promise.reject(new Error('the monitor loop is stopped'));
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
      // Saved before the sinks' bounded flush (a SIGKILL during it keeps the events to re-send) and
      // after it, with what they still could not deliver.
      this.saveState();
      await Promise.all([this.dispatcher.close(timeoutMs), this.source.close().catch((e: unknown) => this.options.onError?.(e))]);
      this.saveState();
    })();
    return this.stopping;
  }

  private saveState(): void {
    if (this.options.statePath === undefined) return;
    try {
      writeAlertState(this.options.statePath, this.evaluator.exportState(), this.now(), this.dispatcher.undelivered());
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
        const found = await this.source.observe(endpoint, at);
        observations.push(...found.observations);
        variants.push(...found.variants);
        const g = this.options.gauges;
        if (g) {
          for (const v of found.gauges) {
            if (v.kind === 'drift') g.setDrift(v.endpoint, v.variant, v.test, v.value);
            else g.setAccuracy(v.endpoint, v.variant, v.accuracy, v.value);
          }
        }
      } catch (e) {
        // Reported in the summary; the other endpoints are still evaluated.
        errors.push({ endpoint, message: message(e) });
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

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
