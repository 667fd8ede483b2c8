import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { InputError } from '../core/errors.js';

/** Where a stream worker reads, writes and puts what it cannot classify. */
export interface StreamPlaces {
  /** The JetStream stream holding the inputs (`--from STREAM[:SUBJECT]`). */
  readonly stream: string;
  /** Only inputs on this subject (a filter of the consumer); undefined: all of the stream. */
  readonly subject: string | undefined;
  /** The durable pull consumer every worker of this job shares (`--consumer`). */
  readonly consumer: string;
  /** Results go here (`--to`). */
  readonly to: string;
  /** Inputs that cannot be classified go here, with the reason (`--dead-letter`). */
  readonly deadLetter: string;
}

/** The subject of the fence that proves a micro-batch's results stored (stream-worker.ts); the result stream must store it too. */
export const fenceSubject = (to: string): string => `${to}.fence`;

export interface ConsumerLimits {
  /** How long the server waits for an ack before it delivers the input again. */
  readonly ackWaitMs: number;
  /** Inputs delivered and not yet acked, across all workers of the consumer (JetStream's MaxAckPending). */
  readonly maxAckPending: number;
}

/** What prepareStreams found or made, for the worker's first line. */
export interface PreparedStreams {
  /** The stream storing results, and whether this worker created it. */
  readonly resultStream: string;
  readonly deadLetterStream: string;
  readonly created: readonly string[];
  /** The result stream's de-duplication window: a result published again within it is dropped. */
  readonly duplicateWindowMs: number;
  /** Whether the result stream also stores the fence subject, so results can be fenced rather than acked one by one. */
  readonly fenceable: boolean;
}

/** How long a stream this worker creates remembers result ids (JetStream's default is 2 minutes). */
export const CREATED_DUPLICATE_WINDOW_MS = 10 * 60_000;

const isNotFound = (e: unknown): boolean => e instanceof JetStreamApiError
  && (e.code === JetStreamApiCodes.StreamNotFound || e.code === JetStreamApiCodes.ConsumerNotFound);

/**
 * Checks the input stream, creates or updates the durable pull consumer (explicit acks; no server
 * MaxDeliver: the worker counts deliveries itself and dead-letters, so nothing is dropped silently),
 * and makes sure results and dead letters are stored: a subject no stream holds gets a stream of its
 * own (file storage, a 10-minute duplicate window), since a result must be stored before its input
 * is acked.
 */
export async function prepareStreams(nc: NatsConnection, jsm: JetStreamManager, places: StreamPlaces, limits: ConsumerLimits): Promise<PreparedStreams> {
  try {
    await jsm.streams.info(places.stream);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    throw new InputError('unknown-stream', `--from: no JetStream stream named ${places.stream} on ${nc.getServer()}`, { flag: '--from', stream: places.stream },
      'Create the input stream first (e.g. with the nats CLI: nats stream add), or name an existing one.');
  }
  await ensurePullConsumer(jsm, places, limits);
  const created: string[] = [];
  const holder = async (subject: string): Promise<string | undefined> => {
    try {
      return await jsm.streams.find(subject);
    } catch {
      return undefined;
    }
  };
  let resultStream = await holder(places.to);
  let deadLetterStream = await holder(places.deadLetter);
  const fence = fenceSubject(places.to);
  const missing = [
    ...(resultStream === undefined ? [places.to, ...(await holder(fence)) === undefined ? [fence] : []] : []),
    ...(deadLetterStream === undefined && places.deadLetter !== places.to ? [places.deadLetter] : []),
  ];
  if (missing.length > 0) {
    const name = `LADING_RESULTS_${places.to.replace(/[^A-Za-z0-9_-]/g, '_')}`.slice(0, 200);
    try {
      await jsm.streams.add({
        name, subjects: missing, storage: StorageType.File, retention: RetentionPolicy.Limits, duplicate_window: nanos(CREATED_DUPLICATE_WINDOW_MS),
      });
      created.push(name);
      resultStream ??= name;
      deadLetterStream ??= name;
    } catch (e) {
      // Workers of one job started together race here: another one may have created the stream
      // between this one's look and its add (then this add names fewer subjects, which the server
      // calls a different configuration). Use theirs when it now stores both subjects.
      const racedTo = resultStream ?? await holder(places.to);
      const racedDead = deadLetterStream ?? await holder(places.deadLetter);
      if (racedTo === undefined || racedDead === undefined) {
        throw new InputError('result-stream', `cannot create a stream ${name} for ${missing.join(', ')}: ${(e as Error).message}`, { flag: '--to', subjects: missing.join(', ') },
          'Create a stream that stores the --to and --dead-letter subjects, or pick subjects no other stream overlaps.', { cause: e });
      }
      resultStream = racedTo;
      deadLetterStream = racedDead;
    }
  }
  const info = await jsm.streams.info(resultStream!);
  return {
    resultStream: resultStream!, deadLetterStream: deadLetterStream ?? resultStream!, created, duplicateWindowMs: Math.round((info.config.duplicate_window ?? 0) / 1e6),
    fenceable: (await holder(fence)) === resultStream,
  };
}

async function ensurePullConsumer(jsm: JetStreamManager, places: StreamPlaces, limits: ConsumerLimits): Promise<void> {
  const wanted = {
    durable_name: places.consumer, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(limits.ackWaitMs), max_ack_pending: limits.maxAckPending,
    ...(places.subject !== undefined ? { filter_subject: places.subject } : {}),
  };
  let existing;
  try {
    existing = (await jsm.consumers.info(places.stream, places.consumer)).config;
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  if (existing === undefined) {
    await jsm.consumers.add(places.stream, wanted);
    return;
  }
  if ((existing.filter_subject ?? undefined) !== places.subject) {
    throw new InputError('consumer-subject', `--consumer ${places.consumer} on ${places.stream} reads ${existing.filter_subject ?? 'the whole stream'}, not ${places.subject ?? 'the whole stream'}`,
      { flag: '--consumer', consumer: places.consumer }, 'Give this job its own --consumer name, or the same subject as the workers already on it.');
  }
  if (existing.ack_wait !== wanted.ack_wait || existing.max_ack_pending !== wanted.max_ack_pending) {
    await jsm.consumers.update(places.stream, places.consumer, { ack_wait: wanted.ack_wait, max_ack_pending: wanted.max_ack_pending });
  }
}
