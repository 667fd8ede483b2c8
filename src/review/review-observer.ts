import { Counter, type Registry } from 'prom-client';
import { InputError } from '../core/errors.js';
import { requestOf } from '../monitoring/log/log-batch.js';
import { textSha256 } from '../monitoring/log/text-key.js';
import { eventTopK, type PredictionEvent, type PredictionObserver } from '../serving/prediction-observers.js';
import { reviewSuggestions } from '../serving/taxonomy-json.js';
import type { ReviewQueue, RoutedText, Suggestion } from './review-queue.js';

/** Whether text `row` of an answered call goes to a person. */
export type RoutePredicate = (event: PredictionEvent, row: number) => boolean;

export interface ReviewObserverOptions {
  readonly queue: Pick<ReviewQueue, 'enqueue'>;
  /**
   * Which texts are routed. Default: those whose top score is below `below` (the endpoint's
   * per-text decision, when it has a target precision, is the better predicate to pass).
   */
  readonly routes?: RoutePredicate | undefined;
  readonly below?: number | undefined;
  /**
   * Whether an endpoint's texts may be stored (default: all). An endpoint that logs only hashes
   * (`logText: false`, confidential descriptions) is never routed: a queue item is its text.
   */
  readonly storesText?: ((endpoint: string) => boolean) | undefined;
  /** Suggestions kept per text (default 5): what the broker chooses from. */
  readonly topK?: number | undefined;
  /** Routed texts waiting at most (default 10,000); beyond, they are dropped and counted. */
  readonly capacity?: number | undefined;
  /** Texts per write (default 500). */
  readonly batchRows?: number | undefined;
  /** Longest a routed text waits to be written (default 1,000 ms). */
  readonly flushMs?: number | undefined;
  /** Where lading_review_* metrics go (the serving plane's registry). */
  readonly metrics?: Registry | undefined;
  /** One line per 10 s at most while texts are being dropped (default console.warn). */
  readonly warn?: ((line: string) => void) | undefined;
}

interface Pending {
  readonly endpoint: string;
  readonly text: string;
  readonly requestId: string;
  readonly position: number;
  readonly model: string;
  readonly version: string;
  readonly variant: string;
  readonly suggestions: Suggestion[];
  readonly at: number;
}

export type DropReason = 'queue-full' | 'store-error' | 'closed';

/**
 * Puts the routed texts of every primary answer into the review queue, off the request path: the
 * observer only copies a routed text's request, model and top-k into a bounded buffer; a timer (or a
 * full batch) writes batches, one at a time. When the queue's store falls behind or fails, texts
 * are dropped and counted (lading_review_dropped_total{reason}), never waited for: a slow review
 * database never slows serving. Shadow answers are never routed (nobody saw them), nor the texts
 * of an endpoint that may not store them.
 */
export class ReviewObserver {
  readonly observer: PredictionObserver;
  private readonly routes: RoutePredicate;
  private readonly topK: number;
  private readonly capacity: number;
  private readonly batchRows: number;
  private readonly warn: (line: string) => void;
  private readonly timer: NodeJS.Timeout;
  private readonly ids: Int32Array;
  private readonly scores: Float32Array;
  private buffer: Pending[] = [];
  private writing: Promise<void> | undefined;
  private closed = false;
  private lastWarning = 0;
  private readonly counts = { routed: 0, written: 0, dropped: { 'queue-full': 0, 'store-error': 0, closed: 0 } as Record<DropReason, number> };
  private readonly routedCounter: Counter | undefined;
  private readonly droppedCounter: Counter<'reason'> | undefined;

  constructor(private readonly options: ReviewObserverOptions) {
    const below = options.below;
    if (options.routes === undefined && (below === undefined || !(below > 0 && below <= 1))) {
      throw new InputError('bad-review-threshold', `a review observer needs a routing predicate or a score threshold in (0, 1], got ${String(below)}`, { field: 'below' });
    }
    this.routes = options.routes ?? ((event, row) => event.topScores[row]! < below!);
    this.topK = Math.max(1, Math.floor(options.topK ?? 5));
    this.capacity = options.capacity ?? 10_000;
    this.batchRows = options.batchRows ?? 500;
    this.warn = options.warn ?? ((line) => console.warn(line));
    this.ids = new Int32Array(this.topK);
    this.scores = new Float32Array(this.topK);
    if (options.metrics) {
      const registers = [options.metrics];
      this.routedCounter = new Counter({ name: 'lading_review_routed_total', help: 'Answered texts routed to the review queue', registers });
      this.droppedCounter = new Counter({
        name: 'lading_review_dropped_total', help: 'Routed texts the review queue dropped: queue-full (its store fell behind), store-error, or closed', labelNames: ['reason'], registers,
      });
    }
    this.timer = setInterval(() => { void this.drain(); }, options.flushMs ?? 1000);
    this.timer.unref();
    this.observer = (event) => this.observe(event);
  }

  /** What has happened so far: texts routed, written to the queue, and dropped by reason. */
  stats(): { routed: number; written: number; dropped: Record<DropReason, number> } {
    return { routed: this.counts.routed, written: this.counts.written, dropped: { ...this.counts.dropped } };
  }

  /** Resolves once every text routed so far was written (or dropped). */
  async flush(): Promise<void> {
    while (this.buffer.length > 0 || this.writing !== undefined) await this.drain();
  }

  /** Writes what is buffered and stops; texts routed after this are dropped as `closed`. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    this.closed = true;
  }

  private observe(event: PredictionEvent): void {
    if (event.role !== 'primary' || this.options.storesText?.(event.endpoint) === false) return;
    const rows = event.texts.length;
    for (let row = 0; row < rows; row++) {
      if (!this.routes(event, row)) continue;
      this.counts.routed++;
      this.routedCounter?.inc();
      if (this.closed) { this.dropped('closed', 1); continue; }
      if (this.buffer.length >= this.capacity) { this.dropped('queue-full', 1); continue; }
      // Under an active taxonomy a person chooses among its codes (a split's candidates, or those nearest
      // the model's guesses); only when no code is near any guess does the item show the model's own guesses.
      const suggestions: Suggestion[] = event.taxonomy !== undefined ? reviewSuggestions(event.taxonomy, row, event.topScores[row]!, this.topK) : [];
      if (suggestions.length === 0) {
        const n = eventTopK(event, row, this.topK, this.ids, this.scores);
        for (let k = 0; k < n; k++) suggestions.push({ label: event.model.labels[this.ids[k]!] ?? String(this.ids[k]), score: this.scores[k]! });
      }
      const { requestId, position } = requestOf(event.requestIds, rows, row);
      this.buffer.push({
        endpoint: event.endpoint, text: event.texts[row]!, requestId, position,
        model: event.model.name, version: event.model.version, variant: event.variant, suggestions, at: event.at,
      });
    }
    if (this.buffer.length >= this.batchRows) void this.drain();
  }

  /** Writes batches until the buffer is empty; one writer at a time (a second caller waits for the first). */
  private drain(): Promise<void> {
    // `.finally` runs on a later microtask, so `writing` is cleared only after it was set.
    this.writing ??= this.writeAll().finally(() => { this.writing = undefined; });
    return this.writing;
  }

  private async writeAll(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.batchRows);
      const rows: RoutedText[] = batch.map((p) => ({ ...p, requestId: p.requestId === '' ? null : p.requestId, textSha256: textSha256(p.text) }));
      try {
        await this.options.queue.enqueue(rows);
        this.counts.written += rows.length;
      } catch (e) {
        this.dropped('store-error', rows.length, e);
      }
    }
  }

  private dropped(reason: DropReason, n: number, error?: unknown): void {
    this.counts.dropped[reason] += n;
    this.droppedCounter?.inc({ reason }, n);
    if (reason === 'closed') return;
    const now = Date.now();
    if (now - this.lastWarning < 10_000) return;
    this.lastWarning = now;
    const why = reason === 'queue-full' ? `more than ${this.capacity} routed texts were waiting` : `the review store failed: ${error instanceof Error ? error.message : String(error)}`;
    this.warn(`review queue: dropped routed texts (${why}); ${this.counts.dropped['queue-full'] + this.counts.dropped['store-error']} dropped so far`);
  }
}
