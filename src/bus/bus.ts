import type { LifecycleEvent } from '../core/lifecycle-events.js';

/**
 * The event bus contract: publish lifecycle events; read them through durable subscriptions with
 * explicit acks, redelivery after a timeout, a redelivery limit and replay from a position. Two
 * adapters keep it: embedded/ (SQLite in the workspace, the default) and jetstream/ (NATS
 * JetStream); test/bus/bus-contract.ts runs one suite against both.
 *
 * Delivery is at least once: a subscriber acks after it has acted, and must tolerate seeing an event
 * again (after a crash between acting and acking), which is why every event has an id.
 */
export interface Bus {
  /** Which adapter, for logs and benchmark tables: `embedded` or `jetstream`. */
  readonly kind: string;
  /**
   * Checks the event (an InputError names the bad field; nothing is published) and stores it.
   * Idempotent by event id: a second publish of an id already stored is dropped and answers the
   * first one's position with `duplicate: true` (JetStream remembers ids for its duplicate window).
   */
  publish(event: LifecycleEvent): Promise<PublishResult>;
  /**
   * Opens the durable subscription `durableName` (letters, digits, `_`, `-`), creating it if new.
   * Reopened with the same name (in this process, another one, or after a restart) it resumes after
   * the last acked event; events delivered and not acked are delivered again once their ackWait
   * ends. The options given replace the durable's previous ones.
   */
  subscribe(durableName: string, options?: SubscribeOptions): Promise<Subscription>;
  /** Removes a durable subscription and its state; a no-op when there is none. */
  deleteDurable(durableName: string): Promise<void>;
  /** Closes the connection; subscriptions opened from it stop. Idempotent. */
  close(): Promise<void>;
}

export interface PublishResult {
  /** The event's position in the bus: increasing in publish order, the `seq` its deliveries carry. */
  readonly seq: number;
  /** True when the id was already stored: nothing new was published. */
  readonly duplicate: boolean;
}

export interface SubscribeOptions {
  /**
   * Which subjects, NATS-style: tokens separated by `.`, `*` one token, `>` (last) one or more
   * tokens; `lading.alert.>` is every alert event. Default: everything (`lading.>`).
   */
  readonly subjects?: readonly string[];
  /** How long a delivery may stay unacked before it is delivered again. Default 30,000 ms. */
  readonly ackWaitMs?: number;
  /** Deliveries of one event at most; after the last one it is dead: never delivered again, listed by deadLetters. Default 5. */
  readonly maxDeliver?: number;
  /**
   * Replay: start (or, for a durable that exists, restart) at this position (a `seq` from publish
   * or a delivery), or at `new` events only. Everything before is treated as acked. Absent: a new
   * durable starts at the first stored event, an existing one resumes.
   */
  readonly deliverFrom?: number | 'new';
}

export interface Subscription extends AsyncIterable<Delivery> {
  readonly durableName: string;
  /**
   * Up to `batch` deliveries, in position order (redeliveries first), as soon as at least one is
   * there, waiting at most `timeoutMs`; an empty list when none came. Each must be acked (or
   * nakked) within ackWait or it is delivered again.
   */
  next(batch: number, timeoutMs: number): Promise<Delivery[]>;
  /**
   * Events this durable gave up on after maxDeliver deliveries. Embedded keeps them with the
   * durable; JetStream reports those whose max-deliveries advisory arrived while this subscription
   * was open.
   */
  deadLetters(): Promise<DeadLetter[]>;
  /** Stops this subscription (the durable stays); unacked deliveries will be redelivered. Idempotent. */
  close(): Promise<void>;
}

export interface Delivery {
  readonly seq: number;
  /** 1 on the first delivery, 2 on the first redelivery... */
  readonly deliveryCount: number;
  readonly event: LifecycleEvent;
  /** Done with it: it is not delivered to this durable again. Resolves once the bus has recorded it. */
  ack(): Promise<void>;
  /** Not done: deliver it again after `delayMs` (default at once), counting a delivery. */
  nak(delayMs?: number): Promise<void>;
}

export interface DeadLetter {
  readonly seq: number;
  readonly deliveryCount: number;
}

export const DEFAULT_ACK_WAIT_MS = 30_000;
export const DEFAULT_MAX_DELIVER = 5;
export const ALL_EVENTS = 'lading.>';
