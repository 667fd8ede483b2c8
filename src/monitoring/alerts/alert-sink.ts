import type { AlertEventRecord } from '../store/monitoring-store.js';

/**
 * Where alert transitions go (stdout, a webhook, the audit trail, Prometheus gauges). `send` must
 * return at once: the evaluator runs on the monitor's loop and a slow receiver must never delay the
 * next evaluation. Delivery happens behind the sink's own bounded queue; `close` waits a bounded time.
 */
export interface AlertSink {
  readonly name: string;
  send(event: AlertEventRecord): void;
  close(timeoutMs?: number): Promise<void>;
}

/** Sends each event to every sink; a sink that throws does not stop the others (it is counted). */
export class AlertDispatcher {
  private failures = 0;
  constructor(private readonly sinks: readonly AlertSink[]) {}

  dispatch(events: readonly AlertEventRecord[]): void {
    for (const e of events) {
      for (const s of this.sinks) {
        try { s.send(e); } catch { this.failures++; }
      }
    }
  }

  get sinkFailures(): number { return this.failures; }

  async close(timeoutMs = 5_000): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.close(timeoutMs).catch(() => { this.failures++; })));
  }
}
