import type { AlertEventRecord, AlertStore } from '../store/monitoring-store.js';
import type { AlertSink } from './alert-sink.js';

/**
 * Records transitions in the monitoring store's alert history (the audit trail the lifecycle and
 * `monitor report` read). Writes are chained so they land in order, and never awaited by `send`.
 */
export class AlertStoreSink implements AlertSink {
  readonly name = 'store';
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;
  failures = 0;

  constructor(private readonly store: AlertStore) {}

  send(event: AlertEventRecord): void {
    this.pending++;
    this.chain = this.chain.then(() => this.store.recordAlertEvent(event)).catch(() => { this.failures++; }).finally(() => { this.pending--; });
  }

  async close(timeoutMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.chain, new Promise<void>((r) => { timer = setTimeout(r, timeoutMs); timer.unref(); })]);
    clearTimeout(timer);
  }
}
