import { createHash } from 'node:crypto';
import { nanos, type Msg, type NatsConnection } from '@nats-io/transport-node';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { ackSubjectInfo, pullBatch } from '../bus/jetstream/pull-batch.js';
import type { EndpointAnswer } from '../serving/endpoint.js';
import type { ServingPlane } from '../serving/serving-plane.js';
import { headers } from '@nats-io/transport-node';
import { fenceSubject, type StreamPlaces } from './stream-places.js';
import { decodeStreamInput, type InputFields, type StreamInput } from './stream-input.js';
import type { StreamMeters } from './stream-metrics.js';
import { encodeResultBatch, encodeStreamResult, utf8Slices, type DeadLetter } from './stream-result.js';

/** The ack body, encoded once: a string body is encoded again by the client on every publish. */
const ACK = new TextEncoder().encode('+ACK');

export interface StreamWorkerOptions {
  readonly places: StreamPlaces;
  /** The endpoint (deployment or model endpoint) of the serving plane that classifies. */
  readonly endpoint: string;
  readonly fields: InputFields;
  /** Ranked classes in each result. */
  readonly top: number;
  /** Inputs pulled at most per micro-batch. */
  readonly batch: number;
  /** Micro-batches in flight at once (each pulls, classifies, publishes and acks on its own). */
  readonly concurrency: number;
  /** An input whose classification or result publish failed this many times goes to the dead letters. */
  readonly maxDeliver: number;
  /** One result message per micro-batch (`{"results": [...]}`) instead of one per input. */
  readonly perBatch: boolean;
  /**
   * How the results of a micro-batch are known stored before its inputs are acked: 'fence' (core
   * NATS publishes, then one acknowledged publish on the fence subject of the same stream) or
   * 'each' (every result publish acknowledged). With perBatch, the batch's one message is acknowledged.
   */
  readonly proof: 'fence' | 'each';
  readonly maxTextChars: number;
  /** How long one pull waits for inputs when the stream is idle. */
  readonly pullWaitMs?: number | undefined;
}

export interface StreamWorkerCounts {
  classified: number;
  dead: number;
  retried: number;
  batches: number;
}

interface Received {
  readonly msg: Msg;
  readonly seq: number;
  readonly deliveries: number;
  /** When the input was stored in its stream (ms since the epoch). */
  readonly storedAtMs: number;
  readonly input: StreamInput | undefined;
  readonly reason: string | undefined;
  /** The input's id, also when it could not be classified but its id could be read. */
  readonly id: string | undefined;
}

/** An input and its answer: row `row` of `answer`. */
interface Classified { readonly r: Received; readonly answer: EndpointAnswer; readonly row: number }

/** Delay before a failed input is delivered again: 1 s, 2 s, 4 s ... at most 30 s. */
const retryDelayMs = (deliveries: number): number => Math.min(30_000, 1000 * 2 ** Math.max(0, deliveries - 1));

/**
 * Classifies a JetStream stream: pulls micro-batches from a durable pull consumer, classifies each
 * input through the serving plane (the same endpoints, deployments, A/B, canary and shadow as
 * `lading serve`; the plane's micro-batcher scores a pulled batch together), publishes each result
 * with the input's id as its Nats-Msg-Id and waits for the stream's acknowledgement, and only then
 * acks the input. So a result is stored before its input is acked; an input delivered again (a
 * worker killed between the two) is classified again and its second result dropped by the result
 * stream's de-duplication: one result message per input id. An input that cannot be classified
 * (not UTF-8, not the expected JSON, no text, too long) goes to the dead-letter subject at once with
 * the reason, and is terminated: it never blocks the stream. A failure that may pass (the model, the
 * result publish) naks the input with a growing delay, and dead-letters it at maxDeliver.
 */
export class StreamWorker {
  readonly counts: StreamWorkerCounts = { classified: 0, dead: 0, retried: 0, batches: 0 };
  private readonly stop = new AbortController();
  private lagTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Counts the connection's disconnects: a batch fenced across one is proven again result by result. */
  private connectionEpoch = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly plane: ServingPlane,
    private readonly options: StreamWorkerOptions,
    private readonly meters: StreamMeters,
  ) {}

  private async watchConnection(): Promise<void> {
    for await (const s of this.nc.status()) if (s.type === 'disconnect' || s.type === 'reconnect') this.connectionEpoch++;
  }

  /** Starts the loops; resolves when stopped (after the batches in hand are acked). Errors of a loop reject it. */
  start(): Promise<void> {
    this.running ??= (async () => {
      void this.watchConnection().catch(() => undefined);
      this.lagTimer = setInterval(() => { void this.sampleLag(); }, 2000);
      this.lagTimer.unref();
      try {
        await Promise.all(Array.from({ length: Math.max(1, this.options.concurrency) }, () => this.loop()));
      } finally {
        clearInterval(this.lagTimer);
        this.stop.abort();
        // The acks of the last batches leave before the connection closes.
        await this.nc.flush().catch(() => undefined);
      }
    })();
    return this.running;
  }

  /** How this worker proves results stored before it acks their inputs. */
  get proof(): 'fence' | 'each' | 'batch' { return this.options.perBatch ? 'batch' : this.options.proof; }

  /** The Prometheus text of the registry this worker's meters are on (the serving plane's). */
  metricsText(): Promise<string> { return this.meters.registry.metrics(); }

  /** Ends the loops once their batches in hand are stored and acked; resolves when they have. */
  async close(): Promise<void> {
    this.stop.abort();
    await this.running?.catch(() => undefined);
  }

  private async loop(): Promise<void> {
    const { places } = this.options;
    while (!this.stop.signal.aborted) {
      const msgs = await pullBatch(this.nc, places.stream, places.consumer, this.options.batch, this.options.pullWaitMs ?? 1000, this.stop.signal);
      if (msgs.length === 0) continue;
      await this.handle(msgs);
    }
  }

  private async handle(msgs: readonly Msg[]): Promise<void> {
    const { places, fields, maxTextChars } = this.options;
    this.counts.batches++;
    this.meters.batchSize.observe(msgs.length);
    const received: Received[] = msgs.map((msg) => {
      const { seq, deliveryCount, storedAtMs } = ackSubjectInfo(msg.reply!);
      if (deliveryCount > 1) this.meters.redeliveries.inc();
      const messageId = msg.headers?.get('Nats-Msg-Id') || `${places.stream}:${seq}`;
      const d = decodeStreamInput(msg.data, messageId, fields, maxTextChars);
      return { msg, seq, deliveries: deliveryCount, storedAtMs, input: d.input, reason: d.reason, id: d.input?.id ?? d.id };
    });
    const bad = received.filter((r) => r.input === undefined);
    const good = received.filter((r) => r.input !== undefined);
    const classified: Classified[] = [];
    const failed: Array<{ r: Received; reason: string }> = [];
    if (good.length > 0) {
      // Each input routed by its own sticky key, as a request of its own would be, and answered with
      // one call per variant: one classify call per input cost this thread a promise, an answer and
      // the observers' work for every offer.
      try {
        const routed = await this.plane.classifyEach(this.options.endpoint, good.map((r) => r.input!.text), good.map((r) => r.input!.key),
          good.map((r) => r.input!.id), { rows: false, top: this.options.top, entities: good.map((r) => r.input!.entities) });
        for (let i = 0; i < good.length; i++) classified.push({ r: good[i]!, answer: routed.answers[routed.answerOf[i]!]!, row: routed.rowOf[i]! });
      } catch (e) {
        for (const r of good) failed.push({ r, reason: `classification failed: ${(e as Error).message}` });
      }
    }
    const stored = await this.publishResults(classified, failed);
    await Promise.all([
      ...bad.map((r) => this.deadLetter(r, r.reason!)),
      ...failed.map(({ r, reason }) => (r.deliveries >= this.options.maxDeliver ? this.deadLetter(r, reason) : this.retry(r))),
    ]);
    const now = Date.now();
    for (const r of stored) {
      r.msg.respond(ACK);
      if (Number.isFinite(r.storedAtMs)) this.meters.publishToResult.observe(Math.max(0, now - r.storedAtMs) / 1000);
    }
    this.counts.classified += stored.length;
    this.meters.inputs.inc({ outcome: 'classified' }, stored.length);
  }

  /** Publishes the results and waits for the stream to store them; returns the inputs whose results are stored. Failures join `failed`. */
  private async publishResults(classified: readonly Classified[], failed: Array<{ r: Received; reason: string }>): Promise<Received[]> {
    if (classified.length === 0) return [];
    const { to } = this.options.places;
    const ids = new Int32Array(this.options.top);
    const scores = new Float32Array(this.options.top);
    const bodies = classified.map(({ r, answer, row }) => encodeStreamResult(r.input!.id, answer, row, this.options.top, ids, scores));
    if (this.options.perBatch) {
      // The same inputs give the same message id, so a batch delivered again as it was is dropped as a duplicate.
      const id = createHash('sha256').update(classified.map(({ r }) => r.input!.id).join('\n')).digest('base64url');
      try {
        const ack = await this.js.publish(to, encodeResultBatch(bodies), { msgID: `batch:${id}` });
        if (ack.duplicate) this.meters.duplicates.inc(classified.length);
        return classified.map(({ r }) => r);
      } catch (e) {
        for (const { r } of classified) failed.push({ r, reason: `storing the result failed: ${(e as Error).message}` });
        return [];
      }
    }
    if (this.options.proof === 'fence' && await this.fenced(classified.map(({ r }) => r.input!.id), bodies)) return classified.map(({ r }) => r);
    const acks = await Promise.allSettled(classified.map(({ r }, i) => this.js.publish(to, bodies[i]!, { msgID: r.input!.id })));
    const stored: Received[] = [];
    acks.forEach((a, i) => {
      const r = classified[i]!.r;
      if (a.status === 'rejected') { failed.push({ r, reason: `storing the result failed: ${(a.reason as Error).message}` }); return; }
      if (a.value.duplicate) this.meters.duplicates.inc();
      stored.push(r);
    });
    return stored;
  }

  /**
   * Publishes the results as core NATS messages (each with its input's id as Nats-Msg-Id, so the
   * stream still drops a duplicate), then one acknowledged message on the fence subject, which the
   * same stream stores. A stream stores what one connection sends in the order sent, so the fence's
   * acknowledgement proves every result before it stored, for the price of one round trip per
   * micro-batch instead of one per result (bench:stream: about 3x the inputs per second of
   * acknowledging each). The proof holds only on one unbroken connection: after a disconnect,
   * results written before it may never have reached the server although a fence sent after the
   * reconnect is acknowledged, so false is returned and the caller publishes every result again,
   * acknowledged one by one (the stream drops those it already has).
   */
  private async fenced(ids: readonly string[], bodies: readonly string[]): Promise<boolean> {
    const { to } = this.options.places;
    const epoch = this.connectionEpoch;
    try {
      // The client encodes a string body into a fresh buffer per message; one buffer for the batch
      // costs less, and one headers object serves every message (publish encodes it at once).
      const bytes = utf8Slices(bodies);
      const h = headers();
      for (let i = 0; i < bodies.length; i++) {
        h.set('Nats-Msg-Id', ids[i]!);
        this.nc.publish(to, bytes[i]!, { headers: h });
      }
      await this.js.publish(fenceSubject(to), '');
    } catch {
      return false;
    }
    return epoch === this.connectionEpoch;
  }

  private async deadLetter(r: Received, reason: string): Promise<void> {
    const { places } = this.options;
    const letter: DeadLetter = {
      reason, id: r.id, stream: places.stream, seq: r.seq, subject: r.msg.subject, deliveries: r.deliveries, body: new TextDecoder().decode(r.msg.data),
    };
    try {
      await this.js.publish(places.deadLetter, JSON.stringify(letter), { msgID: `dead:${places.stream}:${r.seq}` });
    } catch {
      // Not stored: leave the input to come again rather than lose it.
      await this.retry(r);
      return;
    }
    r.msg.respond('+TERM');
    this.counts.dead++;
    this.meters.inputs.inc({ outcome: 'dead' });
  }

  private async retry(r: Received): Promise<void> {
    r.msg.respond(`-NAK ${JSON.stringify({ delay: nanos(retryDelayMs(r.deliveries)) })}`);
    this.counts.retried++;
    this.meters.inputs.inc({ outcome: 'retried' });
  }

  private async sampleLag(): Promise<void> {
    try {
      const info = await this.jsm.consumers.info(this.options.places.stream, this.options.places.consumer);
      this.meters.pending.set(info.num_pending + info.num_ack_pending);
    } catch {
      // A sample missed; the next one comes in 2 s.
    }
  }
}
