import type { Bus } from '../bus/bus.js';
import type { Settings } from '../config/config.js';
import type { LifecycleEvent } from '../core/lifecycle-events.js';
import { busSpec, openBus, type BusSpec } from './open-bus.js';

/** What a process that publishes gives: where a publish that failed is reported (a verb's stderr). */
export interface PublishOptions {
  readonly warn: (line: string) => void;
  /** How long one publish (opening the bus included) may take before it is given up; default 5,000 ms. */
  readonly timeoutMs?: number;
}

/** The events to publish, or how to work them out (run in the publishing queue, so its reads never delay the caller). */
export type EventSource = readonly LifecycleEvent[] | (() => Promise<readonly LifecycleEvent[]> | readonly LifecycleEvent[]);

const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * Publishes what a person's verbs (and the monitor, and POST /v1/feedback) did on the bus the
 * settings name. The bus is opened on the first publish only, so a verb that changes nothing never
 * connects; events go out one at a time, in the order they were handed over.
 *
 * A publish that fails (the bus is down, too slow, the event does not check) is a warning and
 * never an error: it is called after the registry or store committed the change, which has
 * happened and stays done whatever the bus says. Ids are derived from the change (eventIdOf), so
 * publishing the same change again later is dropped by the bus as a duplicate.
 */
export class EventPublisher {
  private bus: Promise<Bus> | undefined;
  /** The bus once opened (undefined while the connection is being made, or if it failed). */
  private opened: Bus | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly counts = { published: 0, duplicates: 0, failed: 0 };

  constructor(private readonly spec: BusSpec, private readonly options: PublishOptions) {}

  /**
   * Queues the events; returns at once. The promise resolves (never rejects) once they went out:
   * true when every one was published (or was already on the bus), false when one failed (warned).
   */
  publish(source: EventSource): Promise<boolean> {
    const done = this.queue.then(() => this.publishNow(source));
    this.queue = done;
    return done;
  }

  /** Waits for everything queued so far. */
  async flush(): Promise<void> {
    await this.queue;
  }

  /** Published, already-on-the-bus and failed events so far. */
  stats(): { readonly published: number; readonly duplicates: number; readonly failed: number } {
    return { ...this.counts };
  }

  /** Flushes, then closes the bus if it was opened. Idempotent. */
  async close(): Promise<void> {
    await this.flush();
    if (this.closed) return;
    this.closed = true;
    const opening = this.bus;
    const opened = this.opened;
    this.bus = undefined;
    if (opened !== undefined) await opened.close().catch(() => undefined);
    // A connection still being made was given up by the publishes that waited for it: it is
    // closed whenever it is made, and close() does not wait for it.
    else void opening?.then((b) => b.close(), () => undefined);
  }

  private async publishNow(source: EventSource): Promise<boolean> {
    let events: readonly LifecycleEvent[];
    try {
      events = typeof source === 'function' ? await source() : source;
    } catch (e) {
      this.counts.failed++;
      this.options.warn(`warning: an event was not published (working it out failed: ${messageOf(e)}); the change itself is done`);
      return false;
    }
    let ok = true;
    for (const event of events) {
      try {
        if (this.closed) throw new Error('the publisher is closed');
        const r = await within(this.open().then((bus) => bus.publish(event)), this.timeoutMs());
        if (r.duplicate) this.counts.duplicates++;
        else this.counts.published++;
      } catch (e) {
        ok = false;
        this.counts.failed++;
        this.options.warn(`warning: event ${event.type} (${event.id}) was not published on ${this.where()}: ${messageOf(e)}; the change itself is done`);
      }
    }
    return ok;
  }

  /** The bus, opened once; a failed opening is kept, so later events fail at once instead of each waiting. */
  private open(): Promise<Bus> {
    if (this.bus === undefined) {
      this.bus = openBus(this.spec);
      this.bus.then((b) => { this.opened = b; }, () => undefined);
    }
    return this.bus;
  }

  private timeoutMs(): number {
    return this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** For warnings; never the NATS URL itself, which may carry credentials. */
  private where(): string {
    return this.spec.kind === 'embedded' ? `the embedded bus ${this.spec.path}` : 'the NATS JetStream bus (busUrl)';
  }
}

/** A publisher for the bus the settings name (NATS with busUrl, else <home>/bus.sqlite). */
export function createEventPublisher(settings: Pick<Settings, 'home'> & Partial<Pick<Settings, 'busUrl'>>, options: PublishOptions): EventPublisher {
  return new EventPublisher(busSpec({ home: settings.home, busUrl: settings.busUrl }), options);
}

function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
