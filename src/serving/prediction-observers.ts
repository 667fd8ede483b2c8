import type { EntityKeys, UsedFeatures } from './entity-features.js';
import type { ModelIdentity } from './model-runtime.js';
import { answerTopK, type RankedRows } from './rows.js';
import type { TaxonomyAnswers } from './taxonomy-answers.js';

/**
 * One answered classify call (one request, or one shadow copy of it), as observers see it. The
 * arrays are the ones the answer was built from: read them, never write them, and copy what you
 * keep past the call (a prediction log serialises them there and then).
 */
export interface PredictionEvent {
  readonly endpoint: string;
  readonly variant: string;
  /** 'primary': this answer went back to the caller. 'shadow': a copy nobody saw (see ShadowRunner). */
  readonly role: 'primary' | 'shadow';
  /** True when the caller named the variant (`name@variant`, `name@version`): weights were bypassed. */
  readonly pinned: boolean;
  /** Which model answered: name, version, kind, sha256 and its labels (topIds index `model.labels`). */
  readonly model: ModelIdentity;
  readonly texts: readonly string[];
  /** Top-1 class id and probability per text. */
  readonly topIds: Int32Array;
  readonly topScores: Float32Array;
  /**
   * rows × model.labels.length probabilities the answer was built from, whenever an observer
   * subscribed as reading rows (the default of ServingPlane.observe) is subscribed; otherwise,
   * when the caller did not ask for rows either, empty. Read ranked answers through eventTopK()
   * rather than indexing this: it also reads `ranked` and the top-1.
   */
  readonly proba: Float32Array;
  /** Each text's k best classes, when the caller asked for k > 1. */
  readonly ranked?: RankedRows | undefined;
  /** From the decoded request to the answer (the figure in lading_request_duration_seconds). */
  readonly latencyMs: number;
  /** Of which waiting in the micro-batcher. */
  readonly queueMs: number;
  /**
   * The request ids this call answered: one for an HTTP request (its `requestId` / OIP `id`); a
   * transport that packs several messages into one call may pass one per text. Empty when the
   * caller gave none (in-process use).
   */
  readonly requestIds: readonly string[];
  /** Epoch milliseconds when the answer was ready. */
  readonly at: number;
  /**
   * Decide or route, when the endpoint has a target precision: per text 1 (decided automatically)
   * or 0 (for a person to review). Absent without a target, and on shadow copies.
   */
  readonly decisions?: Uint8Array | undefined;
  /** The answers in the endpoint's active taxonomy, when it has one (what went back: codes, review reasons). */
  readonly taxonomy?: TaxonomyAnswers | undefined;
  /**
   * Models trained with entity features only: per text, the feature values the answer used, or
   * null when it had none and came from the text alone (no key, an unknown or expired key).
   */
  readonly features?: readonly UsedFeatures[] | undefined;
  /** The entity keys the request named, per text (shadow copies look features up with them). */
  readonly entities?: readonly (EntityKeys | undefined)[] | undefined;
}

/**
 * The k best (class id, probability) pairs of text `row`, best first, written into `ids`/`scores`
 * (length >= k); returns how many were written (k, or fewer when the model has fewer classes, or
 * when the event has neither rows nor k ranked classes: then its top-1). Allocates nothing, so an
 * observer can rank every text of a busy endpoint.
 */
export function eventTopK(event: PredictionEvent, row: number, k: number, ids: Int32Array, scores: Float32Array): number {
  return answerTopK(event, event.model.labels.length, row, k, ids, scores);
}

/**
 * Something that wants to see every answered prediction: metrics, shadow traffic, and next the
 * prediction log of monitoring/ (subscribe one with `ServingPlane.observe(name, observer)`).
 *
 * Observers run after the answer has gone back, batched on a later turn of the event loop, so they
 * never sit on a request's critical path. A throw or a rejected promise is counted
 * (lading_observer_errors_total) and logged, never passed on; it fails no prediction and stops no
 * other observer. Observers still share the event loop with the server: do little synchronously
 * (copy, append to a buffer) and do I/O asynchronously, in batches (e.g. a prediction log that
 * buffers events and writes them every N events or M ms, dropping and counting when it falls behind).
 */
export type PredictionObserver = (event: PredictionEvent) => void | Promise<void>;

export interface ObserverFailure {
  readonly observer: string;
  readonly error: unknown;
  /** Failures of this observer so far, this one included. */
  readonly count: number;
}

/**
 * Holds the subscribed observers and delivers events to them off the critical path: `publish`
 * only appends to a queue; one setImmediate per event-loop turn hands the whole queue to every
 * observer. Failures go to `onFailure` (the plane counts and logs them).
 */
export class ObserverHub {
  private readonly observers = new Map<string, PredictionObserver>();
  /** Observers subscribed as reading probability rows. */
  private readonly rowReaders = new Set<string>();
  /** Ranked classes per text each observer reads (top-1 readers are not listed). */
  private readonly rankReaders = new Map<string, number>();
  private rankMax = 1;
  private list: Array<[string, PredictionObserver]> = [];
  private queue: PredictionEvent[] = [];
  private scheduled = false;
  private readonly failures = new Map<string, number>();

  constructor(private readonly onFailure: (f: ObserverFailure) => void) {}

  /**
   * Adds an observer under a unique name; returns the function that removes it. `reads`: it reads
   * event.proba ('rows', the default), so answers keep their probability rows while it is
   * subscribed; or only each text's `top` best classes (eventTopK with k <= top), which the serving
   * threads rank so no rows need to travel.
   */
  subscribe(name: string, observer: PredictionObserver, reads: 'rows' | { readonly top: number } = 'rows'): () => void {
    if (this.observers.has(name)) throw new Error(`a prediction observer named "${name}" is already subscribed`);
    this.observers.set(name, observer);
    if (reads === 'rows') this.rowReaders.add(name);
    else if (reads.top > 1) this.rankReaders.set(name, reads.top);
    this.rankMax = Math.max(1, ...this.rankReaders.values());
    this.list = [...this.observers];
    return () => this.unsubscribe(name, observer);
  }

  unsubscribe(name: string, observer?: PredictionObserver): void {
    if (observer !== undefined && this.observers.get(name) !== observer) return;
    if (this.observers.delete(name)) this.list = [...this.observers];
    this.rowReaders.delete(name);
    this.rankReaders.delete(name);
    this.rankMax = Math.max(1, ...this.rankReaders.values());
  }

  /** True while an observer that reads probability rows is subscribed. */
  get rowsWanted(): boolean { return this.rowReaders.size > 0; }

  /** The most ranked classes per text a subscribed observer reads (1: only the top-1). */
  get rankWanted(): number { return this.rankMax; }

  get names(): string[] { return [...this.observers.keys()]; }

  /** Failures per observer name since start. */
  failureCounts(): Record<string, number> { return Object.fromEntries(this.failures); }

  /** Queues an event; never calls an observer synchronously. */
  publish(event: PredictionEvent): void {
    if (this.list.length === 0) return;
    this.queue.push(event);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.deliver);
    }
  }

  /** Resolves once every event published so far has been handed to the observers (tests, shutdown). */
  flushed(): Promise<void> {
    if (!this.scheduled) return Promise.resolve();
    return new Promise((resolve) => setImmediate(() => { void this.flushed().then(resolve); }));
  }

  private readonly deliver = (): void => {
    this.scheduled = false;
    const events = this.queue;
    this.queue = [];
    for (const [name, observer] of this.list) {
      if (this.observers.get(name) !== observer) continue; // unsubscribed by an earlier observer
      for (const event of events) {
        try {
          const r = observer(event);
          if (r !== undefined && typeof (r as Promise<void>).then === 'function') (r as Promise<void>).then(undefined, (e: unknown) => this.failed(name, e));
        } catch (e) {
          this.failed(name, e);
        }
      }
    }
  };

  private failed(observer: string, error: unknown): void {
    const count = (this.failures.get(observer) ?? 0) + 1;
    this.failures.set(observer, count);
    this.onFailure({ observer, error, count });
  }
}
