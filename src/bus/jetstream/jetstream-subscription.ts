import { nanos, type Msg, type NatsConnection, type Subscription as NatsSubscription } from '@nats-io/transport-node';
import { decodeEvent, type LifecycleEvent } from '../../core/lifecycle-events.js';
import type { DeadLetter, Delivery, Subscription } from '../bus.js';
import { iterateDeliveries } from '../delivery-iterator.js';
import { checkNextArgs } from '../subscribe-options.js';
import { matchesAny } from '../subject-filter.js';
import { ackSubjectInfo, pullBatch } from './pull-batch.js';
import type { StreamPlace } from './stream-setup.js';

/** How long an ack or nak waits for the server to confirm it. */
const ACK_TIMEOUT_MS = 5000;

/**
 * One open durable pull subscription. Acks and naks are sent as requests, so ack() resolves once
 * the server has recorded it (a subscriber that acks and exits does not see the event again).
 */
export class JetStreamSubscription implements Subscription {
  private readonly stop = new AbortController();
  private readonly dead = new Map<number, DeadLetter>();
  private readonly advisories: NatsSubscription;

  constructor(
    private readonly nc: NatsConnection,
    private readonly place: StreamPlace,
    readonly durableName: string,
    private readonly subjects: readonly string[],
    private readonly onClose: () => void,
  ) {
    // The server says when it gives up on an event (maxDeliver reached); it keeps no list of them.
    this.advisories = nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${place.stream}.${durableName}`, {
      callback: (err, m) => {
        if (err !== null) return;
        const a = m.json<{ stream_seq: number; deliveries: number }>();
        this.dead.set(a.stream_seq, { seq: a.stream_seq, deliveryCount: a.deliveries });
      },
    });
  }

  async next(batch: number, timeoutMs: number): Promise<Delivery[]> {
    checkNextArgs(batch, timeoutMs);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const msgs = await pullBatch(this.nc, this.place.stream, this.durableName, batch, Math.max(0, deadline - Date.now()), this.stop.signal);
      const out: Delivery[] = [];
      for (const m of msgs) {
        const d = await this.delivery(m);
        if (d !== undefined) out.push(d);
      }
      if (out.length > 0 || msgs.length === 0 || Date.now() >= deadline || this.stop.signal.aborted) return out;
    }
  }

  /** A delivery, or undefined for a message this subscription does not want (acked or terminated here). */
  private async delivery(m: Msg): Promise<Delivery | undefined> {
    const { deliveryCount, seq } = ackSubjectInfo(m.reply!);
    const subject = m.subject.slice(this.place.subjectPrefix.length);
    // Servers before 2.10 take one filter subject; with several, the consumer takes everything and this filters.
    if (!matchesAny(this.subjects, subject)) {
      await this.respond(m.reply!, '+ACK');
      return undefined;
    }
    let event: LifecycleEvent;
    try {
      event = decodeEvent(m.string());
    } catch {
      // Not a lading event (published by something else): never deliverable, so dead at once.
      await this.respond(m.reply!, '+TERM');
      this.dead.set(seq, { seq, deliveryCount });
      return undefined;
    }
    return {
      seq, deliveryCount, event,
      ack: () => this.respond(m.reply!, '+ACK'),
      nak: (delayMs = 0) => this.respond(m.reply!, delayMs > 0 ? `-NAK ${JSON.stringify({ delay: nanos(delayMs) })}` : '-NAK'),
    };
  }

  private async respond(reply: string, body: string): Promise<void> {
    await this.nc.request(reply, body, { timeout: ACK_TIMEOUT_MS });
  }

  async deadLetters(): Promise<DeadLetter[]> {
    return [...this.dead.values()].sort((a, b) => a.seq - b.seq);
  }

  async close(): Promise<void> {
    if (this.stop.signal.aborted) return;
    this.stop.abort();
    this.advisories.unsubscribe();
    this.onClose();
  }

  [Symbol.asyncIterator](): AsyncIterator<Delivery> {
    return iterateDeliveries((b, t) => this.next(b, t), () => this.stop.signal.aborted);
  }
}
