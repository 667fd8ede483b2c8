import type { AlertEventRecord } from '../store/monitoring-store.js';
import type { AlertSink } from './alert-sink.js';

export interface WebhookOptions {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Events waiting beyond this are dropped, oldest first (counted); default 1,000. */
  readonly maxQueue?: number | undefined;
  /** Attempts per event, the first included; default 5. */
  readonly maxAttempts?: number | undefined;
  /** First retry waits about this long, doubling each time, capped at maxDelayMs; defaults 500 ms and 30 s. */
  readonly baseDelayMs?: number | undefined;
  readonly maxDelayMs?: number | undefined;
  /** One attempt may take this long before it is abandoned and counted as failed; default 5 s. */
  readonly timeoutMs?: number | undefined;
  /** [0, 1) for the jitter; default Math.random. */
  readonly random?: (() => number) | undefined;
}

export interface WebhookStats {
  readonly queued: number;
  readonly delivered: number;
  readonly attempts: number;
  /** Attempts that failed (network error, timeout, non-2xx). */
  readonly failures: number;
  /** Events given up: queue overflow, attempts exhausted, a 4xx the receiver will not accept, or still queued at close. */
  readonly dropped: number;
}

/**
 * Alert transitions as JSON POSTs (`{"type":"alert",...event}`), one at a time and in order, with
 * retries. Backoff is exponential with "equal jitter" (half fixed, half random) so that many
 * monitors retrying one receiver spread out yet never retry at once. 408, 429 and 5xx and network
 * errors are retried; other 4xx mean the receiver refuses this payload, so retrying is pointless.
 * `send` only enqueues: a receiver that hangs fills the bounded queue, never the evaluator's time.
 */
export class WebhookAlertSink implements AlertSink {
  readonly name = 'webhook';
  private readonly queue: AlertEventRecord[] = [];
  /** Given up for want of a receiver (attempts exhausted, or still queued at close), oldest first; a refusal (4xx) is not kept. */
  private readonly unsent: AlertEventRecord[] = [];
  private inFlight: AlertEventRecord | undefined;
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;
  private closed = false;
  private s = { delivered: 0, attempts: 0, failures: 0, dropped: 0 };
  private readonly maxQueue: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private readonly random: () => number;

  constructor(private readonly options: WebhookOptions) {
    this.maxQueue = options.maxQueue ?? 1_000;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.random = options.random ?? Math.random;
  }

  stats(): WebhookStats {
    return { queued: this.queue.length, ...this.s };
  }

  send(event: AlertEventRecord): void {
    if (this.closed) { this.s.dropped++; return; }
    if (this.queue.length >= this.maxQueue) { this.queue.shift(); this.s.dropped++; }
    this.queue.push(event);
    this.kick();
  }

  private kick(): void {
    if (this.running || this.queue.length === 0 || this.abort.signal.aborted) return;
    // An event sent between the pump's last look at the queue and this callback is picked up here.
    this.running = this.pump().finally(() => { this.running = null; this.kick(); });
  }

  /** Stops taking events, waits up to `timeoutMs` for the queue to drain, then abandons the rest (counted as dropped). */
  async close(timeoutMs = 5_000): Promise<void> {
    this.closed = true;
    const deadline = performance.now() + timeoutMs;
    while (this.running) {
      const left = deadline - performance.now();
      let timer: NodeJS.Timeout | undefined;
      const drained = left > 0 && await Promise.race([this.running.then(() => true), new Promise<boolean>((r) => { timer = setTimeout(() => r(false), left); })]);
      clearTimeout(timer);
      if (!drained) {
        this.abort.abort();
        await this.running;
      }
    }
    this.s.dropped += this.queue.length;
    this.keep(...this.queue);
    this.queue.length = 0;
  }

  /**
   * Events not (yet) delivered: given up because no receiver answered, in flight, and queued. The
   * monitor saves them with its alert state and sends them again after a restart, so a receiver that
   * was down when an alert fired or resolved still hears of it (at least once: key on `id`).
   */
  undelivered(): AlertEventRecord[] {
    return [...this.unsent, ...(this.inFlight ? [this.inFlight] : []), ...this.queue];
  }

  private keep(...events: AlertEventRecord[]): void {
    this.unsent.push(...events);
    if (this.unsent.length > this.maxQueue) this.unsent.splice(0, this.unsent.length - this.maxQueue);
  }

  /** The backoff before retry number `retry` (1 = the first retry). */
  delayMs(retry: number): number {
    const d = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (retry - 1));
    return d / 2 + (this.random() * d) / 2;
  }

  private async pump(): Promise<void> {
    // Let the caller's synchronous work (the rest of its batch of sends) finish before any I/O.
    await Promise.resolve();
    while (this.queue.length > 0 && !this.abort.signal.aborted) {
      const event = this.queue.shift()!;
      this.inFlight = event;
      try {
        await this.deliver(event);
      } finally {
        this.inFlight = undefined;
      }
    }
  }

  private async deliver(event: AlertEventRecord): Promise<void> {
    const body = JSON.stringify({ type: 'alert', ...event });
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (this.abort.signal.aborted) { this.s.dropped++; this.keep(event); return; }
      this.s.attempts++;
      const outcome = await this.attempt(body);
      if (outcome === 'ok') { this.s.delivered++; return; }
      this.s.failures++;
      if (outcome === 'refused' || attempt === this.maxAttempts) {
        this.s.dropped++;
        if (outcome !== 'refused') this.keep(event);
        return;
      }
      await this.sleep(this.delayMs(attempt));
    }
  }

  private async attempt(body: string): Promise<'ok' | 'retry' | 'refused'> {
    const controller = new AbortController();
    const onClose = (): void => controller.abort();
    this.abort.signal.addEventListener('abort', onClose, { once: true });
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const res = await fetch(this.options.url, {
        method: 'POST', body, signal: controller.signal,
        headers: { 'content-type': 'application/json', ...this.options.headers },
      });
      await res.arrayBuffer().catch(() => undefined); // read the body so the connection is reused
      if (res.ok) return 'ok';
      return res.status === 408 || res.status === 429 || res.status >= 500 ? 'retry' : 'refused';
    } catch {
      return 'retry';
    } finally {
      clearTimeout(timer);
      this.abort.signal.removeEventListener('abort', onClose);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => { clearTimeout(timer); this.abort.signal.removeEventListener('abort', done); resolve(); };
      const timer = setTimeout(done, ms);
      this.abort.signal.addEventListener('abort', done, { once: true });
    });
  }
}
