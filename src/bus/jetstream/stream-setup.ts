import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType, type ConsumerConfig, type JetStreamManager } from '@nats-io/jetstream';
import { ConflictError } from '../../core/errors.js';
import type { DurableOptions } from '../subscribe-options.js';

/** Where the bus lives on a NATS server. */
export interface StreamPlace {
  /** Stream name; default LADING_EVENTS. */
  readonly stream: string;
  /**
   * Put before every subject (`<prefix>lading.model.registered`), so several installations (or
   * test runs) share one server: two streams may not claim the same subjects. Default none.
   */
  readonly subjectPrefix: string;
  /** How long the stream remembers event ids to drop a republish (Nats-Msg-Id); default 1 hour. */
  readonly duplicateWindowMs: number;
}

export const DEFAULT_STREAM = 'LADING_EVENTS';
export const DEFAULT_DUPLICATE_WINDOW_MS = 3_600_000;

/** JetStream's "stream name already in use" (not among the client's named codes). */
const STREAM_NAME_IN_USE = 10058;

const isNotFound = (e: unknown): boolean => e instanceof JetStreamApiError
  && (e.code === JetStreamApiCodes.StreamNotFound || e.code === JetStreamApiCodes.ConsumerNotFound);

/** Creates the stream (file storage, kept until limits) if absent; an existing one is used as it is. */
export async function ensureStream(jsm: JetStreamManager, place: StreamPlace): Promise<void> {
  try {
    await jsm.streams.info(place.stream);
    return;
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  try {
    await jsm.streams.add({
      name: place.stream, subjects: [`${place.subjectPrefix}lading.>`], storage: StorageType.File, retention: RetentionPolicy.Limits,
      duplicate_window: nanos(place.duplicateWindowMs),
    });
  } catch (e) {
    // Another process created it between our look and our add: fine.
    if (!(e instanceof JetStreamApiError && e.code === STREAM_NAME_IN_USE)) throw e;
  }
}

/** Multiple filter subjects on one consumer arrived in NATS 2.10; older servers get no filter and the subscription filters. */
export function supportsMultipleFilters(nc: NatsConnection): boolean {
  const [major = 0, minor = 0] = (nc.info?.version ?? '0.0').split('.').map(Number);
  return major > 2 || (major === 2 && minor >= 10);
}

function consumerConfig(name: string, opts: DurableOptions, place: StreamPlace, multipleFilters: boolean): Partial<ConsumerConfig> {
  const filters = opts.subjects.map((s) => `${place.subjectPrefix}${s}`);
  const from = opts.deliverFrom;
  return {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(opts.ackWaitMs),
    max_deliver: opts.maxDeliver,
    deliver_policy: from === undefined ? DeliverPolicy.All : from === 'new' ? DeliverPolicy.New : DeliverPolicy.StartSequence,
    ...(typeof from === 'number' ? { opt_start_seq: from } : {}),
    ...(filters.length === 1 ? { filter_subject: filters[0] } : multipleFilters ? { filter_subjects: filters } : {}),
  };
}

/**
 * Creates the durable pull consumer, or brings an existing one's ackWait, maxDeliver and subjects
 * up to date; a replay position recreates it (JetStream cannot move a consumer's start).
 */
export async function ensureConsumer(jsm: JetStreamManager, nc: NatsConnection, place: StreamPlace, name: string, opts: DurableOptions): Promise<void> {
  const config = consumerConfig(name, opts, place, supportsMultipleFilters(nc));
  let existing: ConsumerConfig | undefined;
  try {
    existing = (await jsm.consumers.info(place.stream, name)).config;
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  if (existing !== undefined && opts.deliverFrom !== undefined) {
    await jsm.consumers.delete(place.stream, name);
    existing = undefined;
  }
  if (existing === undefined) {
    await jsm.consumers.add(place.stream, config);
    return;
  }
  const same = existing.ack_wait === config.ack_wait && existing.max_deliver === config.max_deliver
    && (existing.filter_subject ?? '') === (config.filter_subject ?? '')
    && JSON.stringify(existing.filter_subjects ?? []) === JSON.stringify(config.filter_subjects ?? []);
  if (same) return;
  try {
    await jsm.consumers.update(place.stream, name, {
      ack_wait: config.ack_wait, max_deliver: config.max_deliver,
      ...(config.filter_subjects !== undefined ? { filter_subjects: config.filter_subjects } : { filter_subject: config.filter_subject ?? '' }),
    });
  } catch (e) {
    // Some changes a server cannot make in place (before 2.10: dropping the filter subject). Recreate
    // the consumer just past its ack floor: at least once still holds, as events acked out of order
    // above the floor are delivered again, and none is lost.
    let floor: number;
    try {
      floor = (await jsm.consumers.info(place.stream, name)).ack_floor.stream_seq;
      await jsm.consumers.delete(place.stream, name);
    } catch {
      throw new ConflictError('durable-options-refused', `the NATS server refused new options for the durable ${name}: ${(e as Error).message}`,
        { stream: place.stream, durable: name }, 'Delete the durable (Bus.deleteDurable) or open it with a replay position to recreate it.', { cause: e });
    }
    await jsm.consumers.add(place.stream, { ...config, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: floor + 1 });
  }
}

/** Removes a durable consumer; a no-op when there is none. */
export async function removeConsumer(jsm: JetStreamManager, place: StreamPlace, name: string): Promise<void> {
  try {
    await jsm.consumers.delete(place.stream, name);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}
