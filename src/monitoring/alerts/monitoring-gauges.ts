import { Gauge, type Registry } from 'prom-client';
import type { AlertEventRecord } from '../store/monitoring-store.js';
import type { AlertSink } from './alert-sink.js';
import type { ActiveAlert } from './alert-evaluator.js';

/**
 * Monitoring's Prometheus gauges, beside the serving metrics: alert state, drift scores and
 * accuracies, set by whoever computes them (the monitor loop). Plain prom-client gauges: they change
 * once per evaluation, far off the request path. A variant of null (an endpoint-wide value) is
 * exported as variant="".
 */
export class MonitoringGauges {
  private readonly alertActive: Gauge<'rule' | 'endpoint' | 'variant'>;
  private readonly drift: Gauge<'endpoint' | 'variant' | 'test'>;
  private readonly accuracy: Gauge<'endpoint' | 'variant' | 'kind'>;

  constructor(registry: Registry) {
    this.alertActive = gauge(registry, 'lading_alert_active', 'Alert firing (1) or not (0), by rule, endpoint and variant', ['rule', 'endpoint', 'variant']);
    this.drift = gauge(registry, 'lading_drift_score', 'Value of each drift test over the latest window (distance, or domain-classifier AUC)', ['endpoint', 'variant', 'test']);
    this.accuracy = gauge(registry, 'lading_accuracy', 'Accuracy over the latest window: real (from feedback) or estimated (CBPE)', ['endpoint', 'variant', 'kind']);
  }

  setDrift(endpoint: string, variant: string | null, test: string, value: number): void {
    this.drift.set({ endpoint, variant: variant ?? '', test }, value);
  }

  setAccuracy(endpoint: string, variant: string | null, kind: 'real' | 'estimated', value: number): void {
    this.accuracy.set({ endpoint, variant: variant ?? '', kind }, value);
  }

  setAlertActive(rule: string, endpoint: string, variant: string | null, active: boolean): void {
    this.alertActive.set({ rule, endpoint, variant: variant ?? '' }, active ? 1 : 0);
  }

  /** After a restart: the alerts the restored evaluator says are firing. */
  restore(active: readonly ActiveAlert[]): void {
    for (const a of active) this.setAlertActive(a.rule, a.endpoint, a.variant, true);
  }

  /** A sink that keeps lading_alert_active in step with the transitions. */
  sink(): AlertSink {
    return {
      name: 'prometheus',
      send: (e: AlertEventRecord) => this.setAlertActive(e.rule, e.endpoint, e.variant, e.state === 'fired'),
      close: async () => {},
    };
  }
}

/** The registry's gauge of that name if one exists (two monitors in one process share a registry), else a new one. */
function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Gauge<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) {
    if (!(existing instanceof Gauge)) throw new Error(`metric ${name} is already registered and is not a gauge`);
    return existing as Gauge<L>;
  }
  return new Gauge<L>({ name, help, labelNames, registers: [registry] });
}
