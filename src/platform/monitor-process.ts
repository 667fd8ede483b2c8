import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Settings } from '../config/config.js';
import type { AlertRule } from '../monitoring/alerts/alert-rule.js';
import { parseAlertRules, resolveAlertRules } from '../monitoring/alerts/alert-rule-parser.js';
import type { AlertSink } from '../monitoring/alerts/alert-sink.js';
import { AlertStoreSink } from '../monitoring/alerts/alert-store-sink.js';
import { MonitoringGauges } from '../monitoring/alerts/monitoring-gauges.js';
import { WebhookAlertSink, type WebhookOptions } from '../monitoring/alerts/webhook-sink.js';
import type { EvaluationSummary, MonitorEvent } from '../monitoring/monitor/monitor-event.js';
import { MonitorLoop } from '../monitoring/monitor/monitor-loop.js';
import type { EndpointCounters, LatencyHistogram, ServerCounters, ServerSignals } from '../monitoring/monitor/server-signals.js';
import type { MonitoringStore } from '../monitoring/store/monitoring-store.js';
import type { ServingPlane } from '../serving/serving-plane.js';
import { startWorkerObserver } from '../monitoring/monitor/observer-worker.js';
import { monitoringStoreSpec, openPlatformMonitoringStore } from './monitoring-store.js';
import type { PredictionLog } from './prediction-log.js';
import { closeOnAbort, orderlyClose, type LadingProcess } from './lading-process.js';
import { createEventPublisher, type EventPublisher } from './event-publisher.js';
import { LifecycleEventAlertSink } from '../monitoring/alerts/lifecycle-event-sink.js';

export type MonitorSettings = Pick<Settings, 'home' | 'registryUrl' | 'registrySchema' | 'monitorIntervalMs' | 'alertWebhook' | 'monitoring'> & Partial<Pick<Settings, 'busUrl'>>;

/** "file:line:col" of a part of lading.yaml's monitoring section (ResolvedSettings.locate('monitoring', path)). */
export type MonitoringLocator = (path: readonly (string | number)[]) => string | undefined;

/**
 * The rules in force: the defaults, changed by lading.yaml's `monitoring.alerts`. A bad rule is an
 * InputError naming `monitoring.alerts[i].field` and, when the locator knows it, the file's line;
 * it is raised before anything is opened, so nothing changes.
 */
export function monitorAlertRules(monitoring: Settings['monitoring'], locate?: MonitoringLocator, source = 'lading.yaml'): AlertRule[] {
  const set = parseAlertRules(monitoring.alerts, {
    source, keyPrefix: 'monitoring.',
    locate: locate && ((index, field) => locate(['alerts', ...(index === null ? [] : [index]), ...(field === '' ? [] : field.split('.'))])),
  });
  return resolveAlertRules([set]);
}

/**
 * Where a monitor keeps its alert state: one file per kind of monitor and set of endpoints, so that
 * `serve --monitor`, `monitor run` and `monitor run --endpoint a` on one home never overwrite each
 * other's state (a monitor restored from another's file would fire its alerts again).
 */
export function alertStatePath(settings: Pick<Settings, 'home'>, kind: 'run' | 'serve', endpoints?: readonly string[]): string {
  const base = kind === 'run' ? 'alert-state' : 'serve-alert-state';
  if (endpoints === undefined || endpoints.length === 0) return join(settings.home, 'monitor', `${base}.json`);
  const names = [...new Set(endpoints)].sort().join('+');
  const safe = /^[A-Za-z0-9._+-]{1,100}$/.test(names) ? names : createHash('sha256').update(names).digest('hex').slice(0, 16);
  return join(settings.home, 'monitor', `${base}-${safe}.json`);
}

export interface MonitorProcessOptions {
  readonly rules: readonly AlertRule[];
  /** Only these endpoints; default every endpoint with logged predictions. */
  readonly endpoints?: readonly string[] | undefined;
  /** One evaluation, then close (a cron job keeps its alert state between runs all the same). */
  readonly once?: boolean | undefined;
  /** Aborting it starts close(): the running evaluation finishes, sinks flush. */
  readonly signal?: AbortSignal | undefined;
  /** Every alert transition and evaluation summary. */
  readonly onEvent?: ((e: MonitorEvent) => void) | undefined;
  readonly onError?: ((e: unknown) => void) | undefined;
  /** An alert's event that could not be published on the bus (it is sent again by the next run); default console.warn. Not an error: the alert is in the history all the same. */
  readonly onWarning?: ((line: string) => void) | undefined;
  /** Webhook delivery tuning (tests shorten the backoff); the URL comes from the settings. */
  readonly webhook?: Omit<WebhookOptions, 'url'> | undefined;
  /** Extra sinks beside the alert history and the webhook. */
  readonly sinks?: readonly AlertSink[] | undefined;
}

export interface MonitorProcess extends LadingProcess {
  readonly loop: MonitorLoop;
  readonly statePath: string;
  /** With `once`: the one evaluation's summary. */
  readonly first: Promise<EvaluationSummary>;
}

function sinksFor(settings: Pick<Settings, 'alertWebhook'>, store: MonitoringStore, webhook: MonitorProcessOptions['webhook'], extra: readonly AlertSink[] = []): AlertSink[] {
  return [
    new AlertStoreSink(store),
    ...(settings.alertWebhook !== undefined ? [new WebhookAlertSink({ ...webhook, url: settings.alertWebhook })] : []),
    ...extra,
  ];
}

/**
 * `lading monitor run`: the monitoring store the settings pick, the alert history, the webhook when
 * one is set, the state file under <home>/monitor/, and the loop. close() (or the signal) lets the
 * running evaluation finish, saves the state, gives the sinks up to 5 s to deliver, closes the store.
 */
export async function startMonitorProcess(settings: MonitorSettings, options: MonitorProcessOptions): Promise<MonitorProcess> {
  const store = await openPlatformMonitoringStore(settings);
  const statePath = alertStatePath(settings, 'run', options.endpoints);
  const events = createEventPublisher(settings, { warn: options.onWarning ?? ((line) => console.warn(line)) });
  let loop: MonitorLoop;
  try {
    loop = new MonitorLoop({
      store, rules: options.rules, endpoints: options.endpoints, intervalMs: settings.monitorIntervalMs, statePath,
      sinks: sinksFor(settings, store, options.webhook, [busAlertSink(options.rules, events), ...(options.sinks ?? [])]), onError: options.onError,
    });
  } catch (e) {
    await store.close();
    throw e;
  }
  if (options.onEvent) loop.subscribe(options.onEvent);
  const { close, closed } = orderlyClose(async () => {
    try {
      await loop.stop();
    } finally {
      await store.close().catch((e: unknown) => options.onError?.(e));
      await events.close();
    }
  });
  let first: Promise<EvaluationSummary>;
  if (options.once) {
    first = loop.evaluate().finally(() => close());
  } else {
    first = new Promise<EvaluationSummary>((resolve, reject) => {
      const off = loop.subscribe((e) => { if (e.type === 'evaluation') { off(); resolve(e); } });
      void closed.then(() => reject(new Error('the monitor closed before its first evaluation')));
    });
    first.catch(() => undefined);
    loop.start({ immediately: true });
  }
  closeOnAbort(options.signal, { close });
  return { loop, statePath, first, close, closed };
}

export interface ServingMonitorOptions {
  readonly rules: readonly AlertRule[];
  /** Where the alerts' lifecycle events go (the serving process's publisher); none: not published. */
  readonly events?: EventPublisher | undefined;
  readonly onEvent?: ((e: MonitorEvent) => void) | undefined;
  readonly webhook?: Omit<WebhookOptions, 'url'> | undefined;
}

/**
 * `serve --monitor`: the same loop inside the serving process, reading the log through the
 * process's own store connection, fed the server's error and latency counters and the log's drops,
 * keeping the monitoring gauges of /metrics current. Its timer is unref'd and it first runs one
 * interval after start (the log is empty before that). The heavy half of each evaluation (reports,
 * drift tests, log scans) runs in a thread of its own with its own store connection; the evaluator,
 * sinks and gauges stay on the main thread, where they cost microseconds.
 */
export async function startServingMonitor(settings: Pick<Settings, 'home' | 'registryUrl' | 'registrySchema' | 'monitorIntervalMs' | 'alertWebhook'>, plane: ServingPlane, log: PredictionLog, options: ServingMonitorOptions): Promise<MonitorLoop> {
  const source = await startWorkerObserver(new URL('./monitor-thread.js', import.meta.url), {
    rules: options.rules, latencyFromLog: false, store: monitoringStoreSpec(settings),
  });
  let loop: MonitorLoop;
  try {
    loop = new MonitorLoop({
      store: log.store, rules: options.rules, intervalMs: settings.monitorIntervalMs, statePath: alertStatePath(settings, 'serve'),
      endpoints: () => plane.list().map((e) => e.name), source,
      signals: servingSignals(plane, log), gauges: new MonitoringGauges(plane.metrics.registry),
      sinks: sinksFor(settings, log.store, options.webhook, options.events ? [busAlertSink(options.rules, options.events)] : []), unref: true,
    });
  } catch (e) {
    await source.close();
    throw e;
  }
  if (options.onEvent) loop.subscribe(options.onEvent);
  loop.start();
  return loop;
}

/** Alert transitions on the bus (alert.fired / alert.resolved / drift.detected), through the publisher's queue. */
function busAlertSink(rules: readonly AlertRule[], events: EventPublisher): AlertSink {
  return new LifecycleEventAlertSink(rules, (e) => events.publish(e));
}

/** The serving metrics' counters as the loop reads them: answered and 5xx requests per endpoint, latency buckets per variant. */
export function servingSignals(plane: ServingPlane, log: PredictionLog | undefined): ServerSignals {
  return {
    async read(): Promise<ServerCounters> {
      const metrics = await plane.metrics.registry.getMetricsAsJSON();
      const endpoints = new Map<string, { answered: number; failed: number; buckets: Map<string, Map<number, number>> }>();
      const of = (name: string) => {
        let e = endpoints.get(name);
        if (!e) endpoints.set(name, e = { answered: 0, failed: 0, buckets: new Map() });
        return e;
      };
      for (const m of metrics) {
        for (const v of m.values) {
          const labels = v.labels as Record<string, string | number | undefined>;
          const endpoint = labels['endpoint'];
          if (typeof endpoint !== 'string' || endpoint === '') continue;
          if (m.name === 'lading_requests_total') of(endpoint).answered += v.value;
          else if (m.name === 'lading_request_errors_total') {
            // 4xx are the client's mistakes (an empty text, a bad token); only 5xx say the server failed.
            if (Number(labels['status']) >= 500) of(endpoint).failed += v.value;
          } else if (m.name === 'lading_request_duration_seconds' && (v as { metricName?: string }).metricName === 'lading_request_duration_seconds_bucket') {
            const variant = String(labels['variant'] ?? '');
            const le = labels['le'] === '+Inf' ? Number.POSITIVE_INFINITY : Number(labels['le']) * 1000;
            const e = of(endpoint);
            let b = e.buckets.get(variant);
            if (!b) e.buckets.set(variant, b = new Map());
            b.set(le, (b.get(le) ?? 0) + v.value); // summed over the variant's model versions
          }
        }
      }
      const out = new Map<string, EndpointCounters>();
      for (const [name, e] of endpoints) {
        const latency = new Map<string, LatencyHistogram>();
        for (const [variant, cumulative] of e.buckets) {
          const bounds = [...cumulative.keys()].sort((a, b) => a - b);
          const finite = bounds.filter(Number.isFinite);
          let before = 0;
          const counts = bounds.map((le) => { const c = cumulative.get(le)! - before; before = cumulative.get(le)!; return c; });
          if (!bounds.some((b) => !Number.isFinite(b))) counts.push(0);
          latency.set(variant, { boundsMs: finite, counts });
        }
        out.set(name, { answered: e.answered, failed: e.failed, latency });
      }
      return { endpoints: out, logDropped: log?.writer.stats().dropped ?? 0 };
    },
  };
}
