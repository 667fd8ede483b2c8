import { Counter, Gauge, type Registry } from 'prom-client';
import type { PredictionEvent, PredictionObserver } from '../../serving/prediction-observers.js';
import { BatchBuilder, type LogBatch } from './log-batch.js';
import type { LogSink } from './log-sink.js';

export interface LogWriterOptions {
  readonly sink: LogSink;
  /** How often queued answers are written (default 1000 ms): what a SIGKILL can lose at most. */
  readonly flushMs?: number;
  /** A batch is written as soon as this many texts wait, and no batch is larger (default 4096). */
  readonly batchTexts?: number;
  /** Texts queued or being written at most (default 50,000); beyond it answers are dropped and counted. */
  readonly capacityTexts?: number;
  /**
   * The share of requests kept (default 1: all). A request is kept or not by a hash of its first
   * request id, so its primary and shadow answers, and a retry with the same id, go together; an
   * event without ids is kept. A stream micro-batch answered in one call is kept or not as a whole.
   */
  readonly sample?: number;
  /** Whether an endpoint's rows keep the text (default: all do). false keeps only its sha256. */
  readonly logText?: (endpoint: string) => boolean;
  /** Where lading_log_* metrics go (the serving plane's registry); none when absent. */
  readonly metrics?: Registry;
  /** One line per warnEveryMs at most while answers are being dropped (default console.warn). */
  readonly warn?: (line: string) => void;
  readonly warnEveryMs?: number;
}

export const DEFAULT_LOG_FLUSH_MS = 1000;
export const DEFAULT_LOG_BATCH_TEXTS = 4096;
export const DEFAULT_LOG_CAPACITY_TEXTS = 50_000;
/** Batches handed to the sink and not yet written: one being written, one packed and waiting. */
const MAX_IN_FLIGHT = 2;

export interface LogWriterStats {
  readonly rows: number;
  readonly dropped: number;
  readonly queuedTexts: number;
}

/**
 * The prediction log's observer. On each answer it copies the texts' references, ids and
 * ranked classes into the open batch (no I/O, no hashing, nothing kept of the event itself: see
 * BatchBuilder for why copying at once is the cheap way); every flushMs, or when batchTexts texts
 * wait, the batch goes to the sink, which does the costly part in another thread. When the sink
 * falls behind and the queue is full, answers are dropped and counted, never slowed: the prediction
 * has already gone back to its caller when an observer sees it.
 */
export class LogWriter {
  private builder: BatchBuilder | undefined;
  private sealed: LogBatch[] = [];
  private queuedTexts = 0;
  private inFlightTexts = 0;
  private inFlight = 0;
  private acceptedTexts = 0;
  private settledTexts = 0;
  private rowsWritten = 0;
  private droppedTexts = 0;
  private droppedSinceWarning = 0;
  private lastWarning = 0;
  private lastReason = '';
  private forced = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly waiters: Array<{ target: number; resolve(): void }> = [];
  private readonly sentLabels = new Set<string>();
  /** Every model seen answering, by sha256: feedback flags a label outside these as a new class. */
  private readonly knownLabels = new Map<string, readonly string[]>();
  private readonly timer: NodeJS.Timeout;
  private readonly flushMs: number;
  private readonly batchTexts: number;
  private readonly capacity: number;
  private readonly logText: (endpoint: string) => boolean;
  private readonly warn: (line: string) => void;
  private readonly warnEveryMs: number;
  private readonly rowsCounter: Counter | undefined;
  private readonly droppedCounter: Counter<'reason'> | undefined;
  private readonly sampledOutCounter: Counter | undefined;
  /** Requests whose id hashes below this (of 2^32) are kept. */
  private readonly keepBelow: number;

  constructor(private readonly options: LogWriterOptions) {
    this.flushMs = options.flushMs ?? DEFAULT_LOG_FLUSH_MS;
    this.batchTexts = options.batchTexts ?? DEFAULT_LOG_BATCH_TEXTS;
    this.capacity = options.capacityTexts ?? DEFAULT_LOG_CAPACITY_TEXTS;
    this.logText = options.logText ?? (() => true);
    this.warn = options.warn ?? ((line) => console.warn(line));
    this.warnEveryMs = options.warnEveryMs ?? 10_000;
    const sample = options.sample ?? 1;
    if (!(sample > 0 && sample <= 1)) throw new RangeError(`LogWriter: sample must be above 0 and at most 1, got ${sample}`);
    this.keepBelow = sample * 2 ** 32;
    if (options.metrics) {
      const registers = [options.metrics];
      this.rowsCounter = new Counter({ name: 'lading_log_rows_total', help: 'Prediction log rows written to the monitoring store', registers });
      this.droppedCounter = new Counter({
        name: 'lading_log_dropped_total', help: 'Answered texts the prediction log dropped: queue-full (the store fell behind), store-error, or closed (after shutdown began)', labelNames: ['reason'], registers,
      });
      if (this.keepBelow < 2 ** 32) this.sampledOutCounter = new Counter({ name: 'lading_log_sampled_out_total', help: 'Answered texts the prediction log left out by its sample (logSample), not lost', registers });
      const self = this;
      new Gauge({ name: 'lading_log_queue_texts', help: 'Texts waiting for or being written to the prediction log', registers, collect() { this.set(self.queuedTexts + self.inFlightTexts); } });
    }
    this.timer = setInterval(() => {
      this.forced = true;
      this.pump();
      if (this.droppedSinceWarning > 0) this.warnDropped();
    }, this.flushMs);
    this.timer.unref();
  }

  /** The observer to subscribe: `plane.observe('prediction-log', writer.observer)`. */
  readonly observer: PredictionObserver = (event: PredictionEvent): void => {
    const n = event.texts.length;
    if (n === 0) return;
    if (this.keepBelow < 2 ** 32 && event.requestIds.length > 0 && spreadHash(event.requestIds[0]!) >= this.keepBelow) {
      this.sampledOutCounter?.inc(n);
      return;
    }
    if (this.closed) {
      this.drop(n, 'closed');
      return;
    }
    // Each queued text holds its references, ids and 5 ranked classes (no probability rows), so a
    // bound in texts bounds the memory whatever the model's class count.
    if (this.queuedTexts + this.inFlightTexts + n > this.capacity) {
      this.drop(n, 'queue-full');
      return;
    }
    if (!this.knownLabels.has(event.model.sha256)) this.knownLabels.set(event.model.sha256, event.model.labels);
    if (this.builder && !this.builder.fits(event)) this.seal();
    this.builder ??= this.newBuilder(event);
    const sendLabels = !this.sentLabels.has(event.model.sha256);
    if (sendLabels) this.sentLabels.add(event.model.sha256);
    this.builder.add(event, this.logText(event.endpoint), sendLabels);
    this.queuedTexts += n;
    this.acceptedTexts += n;
    if (this.builder.texts >= this.batchTexts) {
      this.seal();
      this.pump();
    }
  };

  /** Resolves once every answer seen so far is written (or, if the store failed, counted as dropped). */
  flush(): Promise<void> {
    const target = this.acceptedTexts;
    if (this.settledTexts >= target) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({ target, resolve });
      this.forced = true;
      this.pump();
    });
  }

  /** Writes everything queued, then closes the sink. Answers seen after close() began are dropped and counted. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const last = this.flush();
      this.closed = true;
      clearInterval(this.timer);
      await last;
      await this.options.sink.close();
    })();
    return this.closing;
  }

  /** The labels of a model that answered through this writer; undefined when none did. */
  labelsOf(modelSha256: string): readonly string[] | undefined {
    return this.knownLabels.get(modelSha256);
  }

  stats(): LogWriterStats {
    return { rows: this.rowsWritten, dropped: this.droppedTexts, queuedTexts: this.queuedTexts + this.inFlightTexts };
  }

  /** Hands sealed batches to the sink while it has room; forced (timer, flush), the open batch is sealed first. */
  private pump(): void {
    if (this.forced) {
      this.seal();
      this.forced = false;
    }
    while (this.inFlight < MAX_IN_FLIGHT && this.sealed.length > 0) this.send(this.sealed.shift()!);
  }

  private seal(): void {
    if (this.builder && this.builder.calls > 0) this.sealed.push(this.builder.seal());
    this.builder = undefined;
  }

  private newBuilder(first: PredictionEvent): BatchBuilder {
    return new BatchBuilder(Math.max(this.batchTexts, first.texts.length));
  }

  private send(batch: LogBatch): void {
    this.inFlight++;
    this.queuedTexts -= batch.texts;
    this.inFlightTexts += batch.texts;
    this.options.sink.append(batch).then(
      ({ rows }) => {
        this.rowsWritten += rows;
        this.rowsCounter?.inc(rows);
      },
      (e: unknown) => {
        // The labels of this batch may never have arrived: send them again with the next one.
        for (const sha of Object.keys(batch.labels)) this.sentLabels.delete(sha);
        this.drop(batch.texts, 'store-error', e);
      },
    ).finally(() => {
      this.inFlight--;
      this.inFlightTexts -= batch.texts;
      this.settledTexts += batch.texts;
      this.settle();
      this.pump();
    });
  }

  private settle(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (this.settledTexts >= w.target) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
    if (this.waiters.length > 0) this.forced = true;
  }

  private drop(texts: number, reason: 'queue-full' | 'store-error' | 'closed', error?: unknown): void {
    this.droppedTexts += texts;
    this.droppedCounter?.inc({ reason }, texts);
    if (reason === 'closed') return; // an answer racing the shutdown: counted, nothing to warn about
    this.droppedSinceWarning += texts;
    this.lastReason = reason === 'queue-full'
      ? `the queue is full (${this.capacity} texts): the monitoring store is not keeping up`
      : `the monitoring store failed: ${error instanceof Error ? error.message : String(error)}`;
    this.warnDropped();
  }

  /** At most one line per warnEveryMs; what was dropped in between is summed into the next line. */
  private warnDropped(): void {
    const now = Date.now();
    if (now - this.lastWarning < this.warnEveryMs) return;
    this.lastWarning = now;
    const why = this.lastReason;
    this.warn(`prediction log: dropped ${this.droppedSinceWarning} answered text(s) since the last warning; ${why} (lading_log_dropped_total counts them all)`);
    this.droppedSinceWarning = 0;
  }
}

/**
 * FNV-1a, 32 bits, of a string's UTF-16 code units, then murmur3's finaliser: ids that differ only
 * in their last characters (sample-1, sample-2...) left FNV's high bits too alike to sample by
 * (153 of 400 kept at 0.25 in the test); the finaliser spreads every input bit over all 32.
 */
function spreadHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
