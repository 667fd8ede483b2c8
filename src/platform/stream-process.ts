import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { Settings } from '../config/config.js';
import { InputError } from '../core/errors.js';
import type { SyncReport } from '../serving/deployment-sync.js';
import { startServer, type RunningServer } from '../server/start-server.js';
import { DEFAULT_INPUT_FIELDS, type InputFields } from '../stream/stream-input.js';
import { StreamMeters } from '../stream/stream-metrics.js';
import { prepareStreams, type PreparedStreams, type StreamPlaces } from '../stream/stream-places.js';
import { StreamWorker } from '../stream/stream-worker.js';
import { closeOnAbort, orderlyClose, type LadingProcess } from './lading-process.js';
import { startPlane, type PlaneSettings, type ServingTarget } from './serving-plane-setup.js';

export type StreamSettings = PlaneSettings & Pick<Settings, 'streamUrl' | 'host' | 'maxBodyKb'>;

/** One `lading stream` job: where it reads and writes, and how. */
export interface StreamJob {
  /** `STREAM` or `STREAM:SUBJECT`. */
  readonly from: string;
  readonly to: string;
  /** Default `lading-<stream>-<endpoint>`: every worker of the same job shares it. */
  readonly consumer?: string | undefined;
  /** Default `<to>.dead`. */
  readonly deadLetter?: string | undefined;
  readonly fields?: Partial<InputFields> | undefined;
  readonly top?: number | undefined;
  readonly batch?: number | undefined;
  readonly concurrency?: number | undefined;
  readonly maxDeliver?: number | undefined;
  readonly perBatch?: boolean | undefined;
  /** Acknowledge every result publish instead of fencing each micro-batch (see StreamWorkerOptions.proof). */
  readonly ackEachResult?: boolean | undefined;
  readonly ackWaitMs?: number | undefined;
  readonly maxAckPending?: number | undefined;
  /** Serve /metrics (and the REST and OIP routes, the health routes) on this port too; undefined: no HTTP. */
  readonly port?: number | undefined;
}

export interface StreamProcessOptions {
  readonly signal?: AbortSignal;
  readonly onSyncReport?: (r: SyncReport) => void;
  readonly onLogWarning?: (line: string) => void;
}

export interface StreamProcess extends LadingProcess {
  readonly endpoint: string;
  readonly places: StreamPlaces;
  readonly prepared: PreparedStreams;
  readonly worker: StreamWorker;
  /** The HTTP side, with job.port. */
  readonly url: string | undefined;
  /** Resolves when the worker stopped by close(); rejects when it failed (the connection lost for good, the consumer deleted). */
  readonly done: Promise<void>;
}

/** The defaults of a stream job, with their reasons. */
export const STREAM_DEFAULTS = {
  /** Inputs per pull: big enough that the model scores in batches, small enough to ack quickly. */
  batch: 256,
  /** Two batches in flight: one is classified while the other's results are being stored. */
  concurrency: 2,
  maxDeliver: 5,
  top: 5,
  /** JetStream's default. */
  ackWaitMs: 30_000,
  /**
   * Inputs in flight across every worker of the consumer: a worker holds at most batch × concurrency
   * (512 by default), so 4,096 lets 8 workers pull full batches. JetStream's default of 1,000 would
   * stall the third micro-batch of two workers (measured: a pull waits out its expiry).
   */
  maxAckPending: 4096,
} as const;

const NAME = /^[A-Za-z0-9_-]+$/;

/** `STREAM[:SUBJECT]` → its parts, or an error naming --from. */
export function parseFrom(from: string): { stream: string; subject: string | undefined } {
  const colon = from.indexOf(':');
  const stream = colon < 0 ? from : from.slice(0, colon);
  const subject = colon < 0 ? undefined : from.slice(colon + 1);
  if (!NAME.test(stream)) {
    throw new InputError('bad-flag', `--from ${JSON.stringify(from)}: the stream name must be letters, digits, _ or -`, { flag: '--from' }, 'Give --from STREAM or STREAM:SUBJECT.');
  }
  if (subject !== undefined && !/^[^\s]+$/.test(subject)) {
    throw new InputError('bad-flag', `--from ${JSON.stringify(from)}: the subject after ":" is empty or has spaces`, { flag: '--from' }, 'Give --from STREAM or STREAM:SUBJECT.');
  }
  return { stream, subject };
}

/**
 * A stream worker, wired: the NATS connection (reconnecting without limit, so a restarted server
 * is picked up again), the input stream's durable consumer and the result and dead-letter streams,
 * the serving plane with its deployments (the same as `lading serve`'s, changes applied live) and
 * the prediction log, the worker, and with job.port the HTTP server for /metrics. close() (and an
 * aborted signal) finishes the micro-batches in hand, acks them, drains the connection, unloads the
 * models and writes the log.
 */
export async function startStreamProcess(settings: StreamSettings, target: ServingTarget, job: StreamJob, options: StreamProcessOptions = {}): Promise<StreamProcess> {
  const { stream, subject } = parseFrom(job.from);
  if ('deployments' in target && target.deployments.length !== 1) {
    throw new InputError('bad-flag', 'lading stream classifies through one deployment', { flag: '--deployment' }, 'Start one worker per deployment.');
  }
  const inFlight = (job.batch ?? STREAM_DEFAULTS.batch) * (job.concurrency ?? STREAM_DEFAULTS.concurrency);
  const maxAckPending = job.maxAckPending ?? STREAM_DEFAULTS.maxAckPending;
  if (inFlight > maxAckPending) {
    throw new InputError('bad-flag', `--batch × --concurrency (${inFlight}) is more than --max-ack-pending (${maxAckPending}): the consumer would hold back this worker's own pulls`,
      { flag: '--max-ack-pending' }, 'Raise --max-ack-pending to at least batch × concurrency × workers, or pull smaller batches.');
  }
  if (job.to.trim().length === 0 || /\s/.test(job.to)) throw new InputError('bad-flag', `--to ${JSON.stringify(job.to)}: expected a subject without spaces`, { flag: '--to' });
  let nc: NatsConnection;
  try {
    // pendingLimit (a hidden client option, default 32 KiB): bytes buffered before a write inline; a
    // micro-batch's results and acks are about 100 KiB, and fewer, larger socket writes left the
    // worker more CPU (3 interleaved runs of 100,000 offers: 15.3-19.1k against 15.8-18.4k offers/s).
    nc = await connect({ servers: settings.streamUrl.split(','), name: 'lading-stream', maxReconnectAttempts: -1, reconnectTimeWait: 500, pendingLimit: 256 * 1024 } as ConnectionOptions);
  } catch (e) {
    throw new InputError('nats-unreachable', `cannot reach NATS at ${settings.streamUrl}: ${(e as Error).message}`, { flag: '--stream-url' },
      'Start nats-server with JetStream (-js), or point --stream-url / LADING_STREAM_URL at one.', { cause: e });
  }
  let setup: Awaited<ReturnType<typeof startPlane>> | undefined;
  let server: RunningServer | undefined;
  try {
    const jsm = await jetstreamManager(nc);
    setup = await startPlane(settings, target, { onSyncReport: options.onSyncReport, onLogWarning: options.onLogWarning });
    const endpoint = 'deployments' in target ? target.deployments[0]! : setup.plane.list()[0]!.name;
    const places: StreamPlaces = {
      stream, subject, consumer: job.consumer ?? `lading-${stream}-${endpoint}`.replace(/[^A-Za-z0-9_-]/g, '_'),
      to: job.to, deadLetter: job.deadLetter ?? `${job.to}.dead`,
    };
    if (!NAME.test(places.consumer)) throw new InputError('bad-flag', `--consumer ${JSON.stringify(places.consumer)}: letters, digits, _ or - only`, { flag: '--consumer' });
    const prepared = await prepareStreams(nc, jsm, places, { ackWaitMs: job.ackWaitMs ?? STREAM_DEFAULTS.ackWaitMs, maxAckPending });
    if (job.port !== undefined) {
      server = await startServer({ plane: setup.plane, host: settings.host, port: job.port, token: undefined, protectPredictions: false, maxBodyBytes: settings.maxBodyKb * 1024, feedback: setup.log?.feedback });
    }
    const worker = new StreamWorker(nc, jetstream(nc), jsm, setup.plane, {
      places, endpoint, fields: { ...DEFAULT_INPUT_FIELDS, ...job.fields }, top: job.top ?? STREAM_DEFAULTS.top,
      batch: job.batch ?? STREAM_DEFAULTS.batch, concurrency: job.concurrency ?? STREAM_DEFAULTS.concurrency,
      maxDeliver: job.maxDeliver ?? STREAM_DEFAULTS.maxDeliver, perBatch: job.perBatch === true, maxTextChars: 10_000,
      // A result stream that does not store the fence subject leaves only one acknowledgement per result.
      proof: job.ackEachResult === true || !prepared.fenceable ? 'each' : 'fence',
    }, new StreamMeters(setup.plane.metrics.registry));
    const done = worker.start();
    const openSetup = setup;
    const running = server;
    const { close, closed } = orderlyClose(async () => {
      try {
        await worker.close();
        await nc.drain().catch(() => undefined);
        await running?.close();
      } finally {
        await openSetup.close();
      }
    });
    closeOnAbort(options.signal, { close });
    // A worker that fails stops the whole process the orderly way; `done` still rejects for the caller.
    done.catch(() => { void close(); });
    return { endpoint, places, prepared, worker, url: running?.url, done, close, closed };
  } catch (e) {
    await server?.close().catch(() => undefined);
    await setup?.close().catch(() => undefined);
    await nc.close().catch(() => undefined);
    throw e;
  }
}
