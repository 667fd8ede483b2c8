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
  /** Events handed over but not delivered (kept with the monitor's state and sent again after a restart); a sink that cannot lose any has none. */
  undelivered?(): readonly AlertEventRecord[];
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

  /** Undelivered events by sink name, for the sinks that keep them. */
  undelivered(): Record<string, AlertEventRecord[]> {
    const out: Record<string, AlertEventRecord[]> = {};
    for (const s of this.sinks) {
      const events = s.undelivered?.() ?? [];
      if (events.length > 0) out[s.name] = [...events];
    }
    return out;
  }

  /** Hands a restarted monitor's saved undelivered events back to the sinks of the same name. */
  resend(outbox: Readonly<Record<string, readonly AlertEventRecord[]>>): number {
    let n = 0;
    for (const s of this.sinks) {
      for (const e of outbox[s.name] ?? []) {
        try { s.send(e); n++; } catch { this.failures++; }
      }
    }
    return n;
  }

  async close(timeoutMs = 5_000): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.close(timeoutMs).catch(() => { this.failures++; })));
  }
}
