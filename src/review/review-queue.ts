/**
 * The review queue: texts the model did not decide alone (routed), waiting for a person. Identical
 * texts (same endpoint, same normalised text) are one item, so a broker answers once for all of
 * them; every routed occurrence (request id, position, model, time) is kept under its item, and an
 * answer becomes feedback for each (answer-review.ts). One contract, two adapters with the same file
 * names (sqlite/: a file of its own, postgres/: `rev_*` tables in the registry's schema), one
 * contract suite run on both (test/review/).
 */
export interface ReviewQueue {
  /**
   * Adds routed texts in one transaction: all or none. A text joins the open or answered item of its
   * (endpoint, textSha256), creating it when absent. Idempotent: an occurrence already stored (same
   * request id and position; a retried request) is not counted again. Occurrences without a request
   * id cannot be told apart, so each counts.
   */
  enqueue(rows: readonly RoutedText[]): Promise<EnqueueResult>;
  /** Items of one endpoint, most valuable first (review-order.ts), one page at a time. */
  list(query: ReviewQuery): Promise<ReviewPage>;
  get(id: number): Promise<ReviewItem | undefined>;
  /** The occurrences of an item, oldest first. */
  occurrences(id: number): Promise<ReviewOccurrence[]>;
  /**
   * Records the answer of an open item and returns it with its occurrences. NotFoundError when there
   * is no such item; ConflictError when it was answered already (two brokers on one item: the first wins).
   */
  claimAnswer(id: number, answer: ReviewAnswer): Promise<ClaimedItem>;
  /** Reopens an item claimed at `answeredAt` whose feedback could not be written; any other state is left alone. */
  releaseAnswer(id: number, answeredAt: number): Promise<void>;
  /** The feedback ids written for an item's answer: the proof its occurrences became feedback. */
  recordFeedback(id: number, feedbackIds: readonly number[]): Promise<void>;
  close(): Promise<void>;
}

/** One of the model's best guesses for a text. */
export interface Suggestion {
  readonly label: string;
  readonly score: number;
  /** The code's official description, when the endpoint answers under a taxonomy that has one. */
  readonly description?: string | undefined;
}

/** One routed text of one answered request, as the observer (review-observer.ts) hands it over. */
export interface RoutedText {
  readonly endpoint: string;
  readonly text: string;
  /** textSha256 of monitoring (sha256 of the normalised text): the key items group by and feedback joins on. */
  readonly textSha256: string;
  /** The request's id; null when the caller gave none. */
  readonly requestId: string | null;
  /** The text's index in its request. */
  readonly position: number;
  readonly model: string;
  readonly version: string;
  readonly variant: string;
  /** Best first; at least one (the answer given). */
  readonly suggestions: readonly Suggestion[];
  /** Epoch ms when it was answered. */
  readonly at: number;
}

export interface EnqueueResult {
  /** Occurrences stored. */
  readonly added: number;
  /** Occurrences already stored (retried requests), skipped. */
  readonly duplicates: number;
}

export type ReviewState = 'open' | 'answered';

export interface ReviewAnswer {
  readonly label: string;
  /** Who answered (a person's name, `review:` is prefixed on the feedback's source). */
  readonly actor: string;
  readonly note: string | null;
  /** Index of the accepted suggestion; null when the label was given. */
  readonly suggestion: number | null;
  readonly at: number;
}

export interface ReviewItem {
  readonly id: number;
  readonly endpoint: string;
  readonly textSha256: string;
  /** The text as first routed. */
  readonly text: string;
  /** Routed occurrences of this text (its volume). */
  readonly occurrences: number;
  /** What the newest occurrence's model suggested, best first, and who that model was. */
  readonly suggestions: readonly Suggestion[];
  readonly model: string;
  readonly version: string;
  readonly variant: string;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly state: ReviewState;
  readonly answer: ReviewAnswer | null;
  /** Feedback ids written for the answer; null while none were (open, or the write did not finish). */
  readonly feedbackIds: readonly number[] | null;
}

export interface ReviewOccurrence {
  readonly requestId: string | null;
  readonly position: number;
  readonly at: number;
  readonly model: string;
  readonly version: string;
  readonly variant: string;
  readonly topScore: number;
}

export interface ClaimedItem {
  readonly item: ReviewItem;
  readonly occurrences: readonly ReviewOccurrence[];
}

export interface ReviewQuery {
  readonly endpoint: string;
  /** Default 'open'. */
  readonly state?: ReviewState | 'all' | undefined;
  /** Items per page, 1..1000; default 50. */
  readonly limit?: number | undefined;
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string | undefined;
}

export interface ReviewPage {
  readonly items: readonly ReviewItem[];
  /** Pass it back for the next page; null on the last. */
  readonly nextCursor: string | null;
}
