import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { ConflictError } from '../../core/errors.js';
import { encodeEvent, type LifecycleEvent } from '../../core/lifecycle-events.js';
import type { Bus, PublishResult, SubscribeOptions, Subscription } from '../bus.js';
import { durableOptions } from '../subscribe-options.js';
import { JetStreamSubscription } from './jetstream-subscription.js';
import { DEFAULT_DUPLICATE_WINDOW_MS, DEFAULT_STREAM, ensureConsumer, ensureStream, removeConsumer, type StreamPlace } from './stream-setup.js';

export interface JetStreamBusOptions extends Partial<StreamPlace> {
  /** `nats://host:port` (several comma-separated). */
  readonly url: string;
}

/**
 * The bus on NATS JetStream: one stream holding `lading.>`, one durable pull consumer per durable
 * name with explicit acks, ack_wait and max_deliver; `Nats-Msg-Id` = event id, so the stream drops a
 * republish within its duplicate window; replay recreates the consumer at a start sequence.
 */
export class JetStreamBus implements Bus {
  readonly kind = 'jetstream';
  private readonly subscriptions = new Set<JetStreamSubscription>();
  private closed = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly place: StreamPlace,
  ) {}

  static async open(options: JetStreamBusOptions): Promise<JetStreamBus> {
    const place: StreamPlace = {
      stream: options.stream ?? DEFAULT_STREAM, subjectPrefix: options.subjectPrefix ?? '', duplicateWindowMs: options.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS,
    };
    const nc = await connect({ servers: options.url.split(','), name: 'lading-bus' });
    try {
      const jsm = await jetstreamManager(nc);
      await ensureStream(jsm, place);
      return new JetStreamBus(nc, jetstream(nc), jsm, place);
    } catch (e) {
      await nc.close();
      throw e;
    }
  }

  async publish(event: LifecycleEvent): Promise<PublishResult> {
    this.checkOpen();
    const text = encodeEvent(event);
    const ack = await this.js.publish(`${this.place.subjectPrefix}${event.subject}`, text, { msgID: event.id });
    return { seq: ack.seq, duplicate: ack.duplicate };
  }

  async subscribe(durableName: string, options?: SubscribeOptions): Promise<Subscription> {
    this.checkOpen();
    const opts = durableOptions(durableName, options);
    await ensureConsumer(this.jsm, this.nc, this.place, durableName, opts);
    const sub = new JetStreamSubscription(this.nc, this.place, durableName, opts.subjects, () => this.subscriptions.delete(sub));
    this.subscriptions.add(sub);
    return sub;
  }

  async deleteDurable(durableName: string): Promise<void> {
    this.checkOpen();
    await removeConsumer(this.jsm, this.place, durableName);
  }

  /** Deletes the whole stream of `options`: every event and durable. For tests and benchmarks that made their own. */
  static async deleteStream(options: JetStreamBusOptions): Promise<void> {
    const bus = await JetStreamBus.open(options);
    try {
      await bus.jsm.streams.delete(bus.place.stream);
    } finally {
      await bus.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.nc.drain();
  }

  private checkOpen(): void {
    if (this.closed) throw new ConflictError('bus-closed', `the JetStream bus (stream ${this.place.stream}) is closed`, { stream: this.place.stream });
  }
}
