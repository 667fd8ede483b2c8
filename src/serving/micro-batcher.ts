import { NO_ROWS, rankedSlice, topAndRanked, type RankedRows } from './rows.js';
import type { ServingThread } from './serving-thread.js';

/** What one request gets back from the batcher. */
export interface BatchResult {
  /**
   * rows × classes probabilities of this request's texts only; empty (NO_ROWS) when the request
   * did not ask for them and no other request of its batch did.
   */
  readonly proba: Float32Array;
  /** Each text's k best classes when the request (or one of its batch) asked for k > 1. */
  readonly ranked?: RankedRows | undefined;
  /** Top-1 class id and probability of each of this request's texts (argmaxRows of proba). */
  readonly topIds: Int32Array;
  readonly topScores: Float32Array;
  /** Milliseconds the request waited before its batch was sent to a thread. */
  readonly queueMs: number;
  /** Texts in the batch this request travelled in. */
  readonly batchTexts: number;
}

export interface BatchStats {
  readonly texts: number;
  readonly requests: number;
  /** Scored on the calling thread (within the inline budget) rather than in a serving thread. */
  readonly inline: boolean;
}

/** What a request needs back besides each text's top-1. */
export interface PredictWant {
  /** The probability rows (default true). */
  readonly rows: boolean;
  /** Ranked classes per text: 1 = the top-1 only. */
  readonly k: number;
}

export const ROWS_AND_TOP1: PredictWant = { rows: true, k: 1 };

/** The model loaded in the calling thread too, with its measured cost, for batches too small to send away. */
export interface LocalPredictor {
  /** rows × classes probabilities, computed synchronously in this thread (into `out` when given). */
  predict(texts: readonly string[], out?: Float32Array): Float32Array;
  /** Milliseconds per text measured at warm-up; the batcher refines it from the batches it scores. */
  readonly msPerText: number;
}

export interface MicroBatcherOptions {
  /** The longest a request may wait in the queue for others to join it, in ms. */
  readonly maxDelayMs: number;
  /** A batch stops growing past this many texts (one request is never split, so it may exceed it). */
  readonly maxBatchTexts: number;
  readonly onBatch?: ((s: BatchStats) => void) | undefined;
  /** After each batch was scored: how long scoring took, where it ran (the model's compute, for cost per prediction). */
  readonly onCompute?: ((ms: number, texts: number) => void) | undefined;
  /** Scores a batch here instead of in a thread when its estimated cost is at most inlineBudgetMs. */
  readonly local?: LocalPredictor | undefined;
  readonly inlineBudgetMs?: number | undefined;
  /** Score every batch here when `local` exists, whatever its size or cost (RuntimeOptions.inlineAll). */
  readonly inlineAll?: boolean | undefined;
}

/** Inline batches whose cost samples make one estimate of the local cost per text. */
const COST_WINDOW = 64;
/**
 * Once the estimate is above the budget nothing is scored inline, so nothing would ever correct it
 * (a busy spell at warm-up would send every batch away for good). Every PROBE_EVERY batches sent
 * to threads, a small one (at most PROBE_MAX_TEXTS texts) is scored inline anyway, as a sample.
 */
const PROBE_EVERY = 256;
/**
 * A batch of more texts than this always goes to a thread, whatever its estimated cost: the budget
 * is for the single-text requests that pile up under load (c16: up to 16), and a cheap model could
 * otherwise take a 32-text request inline, doing on one thread what two serving threads share.
 */
export const INLINE_MAX_TEXTS = 16;
const PROBE_MAX_TEXTS = 4;
/**
 * With inlineAll (`serve --processes N`: scoring on the HTTP thread), a batch of fewer than
 * INLINE_MAX_TEXTS texts waits this many more turns of the event loop (setImmediate, no timer) for
 * requests still being read to join it. Each turn is microseconds on an idle loop; under load the
 * bigger batches answer more sockets per wake-up of the server and of the client: wrk -c16, HS4
 * fasttext, 2 processes, 7 interleaved rounds on a shared machine: 48.0 against 51.3 CPU µs per
 * single-text request (4 turns against 1); 32-text requests unchanged.
 */
const INLINE_GATHER_TURNS = 3;

interface Queued {
  readonly texts: readonly string[];
  readonly want: PredictWant;
  readonly enqueuedAt: number;
  resolve(r: BatchResult): void;
  reject(e: Error): void;
}

/**
 * Adaptive micro-batching over a set of threads. A request never waits on purpose while a thread is
 * idle: everything queued in the same turn of the event loop goes out together at once. While all
 * threads are busy, requests pile up and the first thread to finish takes them as one batch, so
 * batches grow with load by themselves. A request still queued after maxDelayMs is sent to the
 * least busy thread anyway (it queues there behind one batch), which bounds the time held here and
 * keeps every thread fed without a round trip of idle time.
 *
 * A batch whose estimated cost is within inlineBudgetMs is scored right here instead: for a cheap
 * model and a few texts, the hop to a thread and back (two postMessage calls, two thread wake-ups)
 * costs more CPU than the prediction itself, and on a loaded machine the wake-ups add latency.
 */
export class MicroBatcher {
  private queue: Queued[] = [];
  private queuedTexts = 0;
  /**
   * Estimated local cost per text: the least of the last COST_WINDOW inline batches (warm-up texts
   * are shorter than real ones). Not a mean, nor the quartile it was: on a busy machine a batch's
   * wall time includes the time this thread was descheduled, and the quartile drifted up until
   * single texts under load went to the threads, where the hop costs this thread as much as the
   * prediction (measured); one batch in 64 running undisturbed is enough for the least to be
   * right. INLINE_MAX_TEXTS bounds what an underestimate can cost.
   */
  private localMsPerText: number;
  private readonly costSamples = new Float64Array(COST_WINDOW);
  private costSampleCount = 0;
  private flushScheduled = false;
  private sentSinceInline = 0;
  /** Where inline batches whose rows nobody reads are scored. */
  private scratch = new Float32Array(0);
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly threads: readonly ServingThread[], private readonly classes: number, private readonly options: MicroBatcherOptions) {
    this.localMsPerText = options.local?.msPerText ?? Infinity;
  }

  get queuedRequests(): number { return this.queue.length; }

  submit(texts: readonly string[], want: PredictWant = ROWS_AND_TOP1): Promise<BatchResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ texts, want, enqueuedAt: performance.now(), resolve, reject });
      this.queuedTexts += texts.length;
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  private gatherTurns = 0;

  private readonly flush = (): void => {
    const local = this.options.local;
    if (local && this.threads.length === 0) {
      // The serving threads are still loading (cold start): everything is scored here meanwhile.
      this.flushScheduled = false;
      this.gatherTurns = 0;
      if (this.queue.length > 0) this.scoreHere(local);
      return;
    }
    if (local && this.options.inlineAll === true && this.queuedTexts < INLINE_MAX_TEXTS && this.gatherTurns < INLINE_GATHER_TURNS) {
      this.gatherTurns++;
      setImmediate(this.flush);
      return;
    }
    this.gatherTurns = 0;
    this.flushScheduled = false;
    if (local && this.options.inlineAll === true && this.queue.length > 0) {
      this.scoreHere(local);
      return;
    }
    if (local && this.queue.length > 0 && this.queuedTexts <= INLINE_MAX_TEXTS
      && (this.queuedTexts * this.localMsPerText <= (this.options.inlineBudgetMs ?? 0) || this.probeDue())) {
      this.scoreHere(local);
      return;
    }
    while (this.queue.length > 0) {
      const thread = this.idleThread();
      if (!thread) break;
      this.send(thread);
    }
    this.armTimer();
  };

  /** True when a small batch should be scored inline as a cost sample (see PROBE_EVERY). */
  private probeDue(): boolean {
    return this.sentSinceInline >= PROBE_EVERY && this.queuedTexts <= PROBE_MAX_TEXTS && (this.options.inlineBudgetMs ?? 0) > 0;
  }

  private readonly onDeadline = (): void => {
    this.timer = undefined;
    if (this.threads.length === 0) { this.flush(); return; }
    const now = performance.now();
    while (this.queue.length > 0 && now - this.queue[0]!.enqueuedAt >= this.options.maxDelayMs) {
      this.send(this.leastBusyThread());
    }
    this.armTimer();
  };

  private armTimer(): void {
    if (this.timer !== undefined || this.queue.length === 0) return;
    const wait = Math.max(0, this.queue[0]!.enqueuedAt + this.options.maxDelayMs - performance.now());
    this.timer = setTimeout(this.onDeadline, wait);
  }

  private idleThread(): ServingThread | undefined {
    for (const t of this.threads) if (t.inFlight === 0 && !t.failed) return t;
    return undefined;
  }

  private leastBusyThread(): ServingThread {
    let best = this.threads[0]!;
    for (const t of this.threads) if (!t.failed && (best.failed || t.inFlight < best.inFlight)) best = t;
    return best;
  }

  /** Takes whole requests from the head of the queue up to maxBatchTexts and sends them as one batch. */
  private send(thread: ServingThread): void {
    const items: Queued[] = [];
    let count = 0;
    let rows = false;
    let k = 1;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (items.length > 0 && count + next.texts.length > this.options.maxBatchTexts) break;
      items.push(next);
      count += next.texts.length;
      if (next.want.rows) rows = true;
      if (next.want.k > k) k = next.want.k;
      this.queue.shift();
    }
    this.queuedTexts -= count;
    this.sentSinceInline++;
    const texts = items.length === 1 ? items[0]!.texts : items.flatMap((q) => q.texts);
    const sentAt = performance.now();
    this.options.onBatch?.({ texts: count, requests: items.length, inline: false });
    thread.request({ type: 'predict', texts, rows, k }).then((reply) => {
      if (reply.type !== 'predicted') throw new Error(`unexpected reply ${reply.type}`);
      this.options.onCompute?.(reply.computeMs, count);
      // What queued meanwhile goes out before these answers are encoded and written: that work
      // takes this thread a while (8 requests of 32 texts: about as long as the batch took in
      // the serving thread), and the serving thread, idle now, would sit it out.
      if (this.queue.length > 0) this.flush();
      const ranked: RankedRows | undefined = reply.rankIds && reply.rankScores ? { k: reply.k, ids: reply.rankIds, scores: reply.rankScores } : undefined;
      this.resolveAll(items, reply.proba, reply.topIds, reply.topScores, ranked, sentAt, count);
    }).catch((e: unknown) => {
      for (const q of items) q.reject(e instanceof Error ? e : new Error(String(e)));
    }).finally(() => {
      if (this.queue.length > 0 && !this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  /** Scores everything queued in this thread, as one batch. */
  private scoreHere(local: LocalPredictor): void {
    const items = this.queue;
    const count = this.queuedTexts;
    this.queue = [];
    this.queuedTexts = 0;
    this.sentSinceInline = 0;
    const sentAt = performance.now();
    this.options.onBatch?.({ texts: count, requests: items.length, inline: true });
    let rows = false;
    let k = 1;
    for (const q of items) {
      if (q.want.rows) rows = true;
      if (q.want.k > k) k = q.want.k;
    }
    let proba: Float32Array;
    let top: { ids: Int32Array; scores: Float32Array };
    let ranked: RankedRows | undefined;
    try {
      const texts = items.length === 1 ? items[0]!.texts : items.flatMap((q) => q.texts);
      // Rows nobody reads are made in one reused buffer (see runtime-worker.ts).
      const floats = count * this.classes;
      if (!rows && this.scratch.length < floats) this.scratch = new Float32Array(floats);
      proba = local.predict(texts, rows ? undefined : this.scratch.subarray(0, floats));
      if (count > 0) this.sampleCost((performance.now() - sentAt) / count);
      const found = topAndRanked(proba, this.classes, k);
      top = found;
      ranked = found.ranked;
      this.options.onCompute?.(performance.now() - sentAt, count);
    } catch (e) {
      for (const q of items) q.reject(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    this.resolveAll(items, rows ? proba : NO_ROWS, top.ids, top.scores, ranked, sentAt, count);
  }

  /** Hands each request of a batch its rows of the batch's answer. */
  private resolveAll(items: readonly Queued[], proba: Float32Array, ids: Int32Array, scores: Float32Array, ranked: RankedRows | undefined, sentAt: number, count: number): void {
    const classes = this.classes;
    const hasRows = proba.length > 0;
    let row = 0;
    for (const q of items) {
      const end = row + q.texts.length;
      q.resolve({
        proba: hasRows ? proba.subarray(row * classes, end * classes) : NO_ROWS, ranked: rankedSlice(ranked, row, end),
        topIds: ids.subarray(row, end), topScores: scores.subarray(row, end), queueMs: sentAt - q.enqueuedAt, batchTexts: count,
      });
      row = end;
    }
  }

  private sampleCost(msPerText: number): void {
    this.costSamples[this.costSampleCount++] = msPerText;
    if (this.costSampleCount < COST_WINDOW) return;
    this.costSampleCount = 0;
    let least = Infinity;
    for (const c of this.costSamples) if (c < least) least = c;
    this.localMsPerText = least;
  }

  /** Fails everything still queued (used when the runtime closes without draining). */
  rejectAll(e: Error): void {
    const q = this.queue;
    this.queue = [];
    this.queuedTexts = 0;
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    for (const item of q) item.reject(e);
  }
}
