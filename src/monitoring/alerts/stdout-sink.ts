import type { AlertEventRecord } from '../store/monitoring-store.js';
import type { AlertSink } from './alert-sink.js';

/** One JSON line per transition, `{"type":"alert",...event}`, for log shippers that read stdout. */
export class StdoutAlertSink implements AlertSink {
  readonly name = 'stdout';
  constructor(private readonly write: (line: string) => void = (line) => { process.stdout.write(line); }) {}

  send(event: AlertEventRecord): void {
    this.write(`${JSON.stringify({ type: 'alert', ...event })}\n`);
  }

  async close(): Promise<void> {}
}
