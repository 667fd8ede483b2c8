import { eventIdOf, makeEvent, type LifecycleEvent } from '../../core/lifecycle-events.js';
import type { AlertEventRecord } from '../store/monitoring-store.js';
import type { AlertRule } from './alert-rule.js';
import type { AlertSink } from './alert-sink.js';

/** Publishes events; resolves true once all were published (or were already there), false if one failed. Never rejects. */
export type PublishEvents = (events: readonly LifecycleEvent[]) => Promise<boolean>;

/**
 * Alert transitions as lifecycle events: `alert.fired` / `alert.resolved`, and `drift.detected`
 * beside the `alert.fired` of a rule on a drift metric (the retraining trigger listens for it).
 * Ids come from the alert instance's stable id, so a transition sent again (a restart's outbox) is
 * one event on the bus. The evaluator only sees transitions, so an alert still firing on the next
 * evaluation (or the next `monitor run --once`, which restores the state) publishes nothing more.
 */
export class LifecycleEventAlertSink implements AlertSink {
  readonly name = 'bus';
  private chain: Promise<void> = Promise.resolve();
  /** Transitions whose events could not be published: saved with the monitor's state and sent again after a restart. */
  private readonly unsent: AlertEventRecord[] = [];
  private readonly rules: ReadonlyMap<string, AlertRule>;

  constructor(rules: readonly AlertRule[], private readonly publish: PublishEvents) {
    this.rules = new Map(rules.map((r) => [r.name, r]));
  }

  send(event: AlertEventRecord): void {
    this.chain = this.chain.then(async () => {
      let ok: boolean;
      try {
        ok = await this.publish(eventsOfAlert(event, this.rules.get(event.rule)));
      } catch {
        ok = false;
      }
      if (!ok) this.unsent.push(event);
    });
  }

  undelivered(): readonly AlertEventRecord[] {
    return this.unsent;
  }

  async close(timeoutMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.chain, new Promise<void>((r) => { timer = setTimeout(r, timeoutMs); timer.unref(); })]);
    clearTimeout(timer);
  }
}

/** Rules carry no severity: every alert is published as a warning. */
const SEVERITY = 'warning';

export function eventsOfAlert(e: AlertEventRecord, rule: AlertRule | undefined): LifecycleEvent[] {
  const value = Number.isFinite(e.value) ? { value: e.value } : {};
  const endpoint = e.endpoint !== '' ? { endpoint: e.endpoint } : {};
  if (e.state === 'resolved') {
    return [makeEvent('alert.resolved', { rule: e.rule, ...endpoint, ...value, message: e.message }, { id: eventIdOf('alert-resolved', e.id), time: e.at })];
  }
  const fired = makeEvent('alert.fired', { rule: e.rule, ...endpoint, severity: SEVERITY, ...value, message: e.message }, { id: eventIdOf('alert-fired', e.id), time: e.at });
  if (rule === undefined || !rule.metric.startsWith('drift') || e.endpoint === '' || !Number.isFinite(e.value)) return [fired];
  return [fired, makeEvent('drift.detected', {
    endpoint: e.endpoint, test: rule.metric, statistic: e.value,
    ...(Number.isFinite(e.threshold) ? { threshold: e.threshold } : {}),
    ...(rule.window.kind === 'rows' ? { window: rule.window.rows } : {}),
  }, { id: eventIdOf('drift-detected', e.id), time: e.at })];
}
