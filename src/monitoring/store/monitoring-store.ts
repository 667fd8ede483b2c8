import type { LoggedColumns } from '../log/batch-columns.js';
import type { LoggedPrediction, StoredPrediction } from '../log/logged-prediction.js';
import type { PredictionColumns } from './prediction-columns.js';
import type { ServingCostStore } from './serving-cost.js';
import type { TimelineWindowStore } from './timeline-windows.js';

/**
 * Where monitoring keeps what production saw: the prediction log, delayed labels (feedback), the
 * reference profiles drift is measured against, the alert history, what serving cost
 * (serving-cost.ts) and the dashboard timeline's closed windows (timeline-windows.ts). One contract, two adapters with the same file names (sqlite/: a database file of its own beside the registry's, so registry
 * writes never wait on the log; postgres/: `mon_*` tables in the registry's schema), one contract
 * suite run on both (test/monitoring/store/).
 */
export interface MonitoringStore extends PredictionLogStore, FeedbackStore, ProfileStore, AlertStore, ServingCostStore, TimelineWindowStore {
  close(): Promise<void>;
}

/** Which predictions: one endpoint, a time range [since, until), optionally one variant / model version. */
export interface LogQuery {
  readonly endpoint: string;
  /** Epoch ms, inclusive; default: the beginning. */
  readonly since?: number | undefined;
  /** Epoch ms, exclusive; default: now and later. */
  readonly until?: number | undefined;
  readonly variant?: string | undefined;
  readonly modelSha256?: string | undefined;
  /** Only 'primary' rows unless asked (shadow rows are what a challenger would have answered). */
  readonly role?: 'primary' | 'shadow' | 'any' | undefined;
  /** Only the newest `last` rows of the range (still returned oldest first). */
  readonly last?: number | undefined;
}

export interface PredictionLogStore {
  /** Appends rows in one transaction: all or none. The log writer calls it with batches. */
  appendPredictions(rows: readonly LoggedPrediction[]): Promise<void>;
  /**
   * The same append for the log writer's columns (log/batch-columns.ts), the rows rowsOfColumns
   * would make: SQLite writes its column segments from them without a row object per text.
   */
  appendColumns(cols: LoggedColumns): Promise<void>;
  /** Rows of the query, oldest first, in pages of at most `pageSize` (default 10,000) so 1M rows never sit in memory at once. */
  scanPredictions(query: LogQuery, pageSize?: number): AsyncIterable<readonly StoredPrediction[]>;
  /** The same rows as scanPredictions, as columns (prediction-columns.ts): what readers of whole windows use. */
  scanPredictionColumns(query: LogQuery, pageSize?: number): AsyncIterable<PredictionColumns>;
  countPredictions(query: LogQuery): Promise<number>;
  /** The logged row of one text of one request (position 0 unless given); undefined when none. */
  findByRequestId(requestId: string, position?: number): Promise<StoredPrediction | undefined>;
  /** The most recent primary row of this normalised-text hash on this endpoint at or before `before` (default: any time). */
  findLatestByText(endpoint: string, textSha256: string, before?: number): Promise<StoredPrediction | undefined>;
  /** Endpoints with logged rows, and the time span of each. */
  listLoggedEndpoints(): Promise<Array<{ endpoint: string; rows: number; first: number; last: number }>>;
  /**
   * Retention: deletes rows older than `now - maxAgeMs`, then the oldest beyond `maxRows`; returns how many went.
   * Stored timeline windows starting before an endpoint's oldest kept row go too (timeline-windows.ts).
   */
  prunePredictions(policy: RetentionPolicy): Promise<number>;
}

export interface RetentionPolicy {
  readonly maxAgeMs?: number | undefined;
  readonly maxRows?: number | undefined;
  readonly now: number;
}

/** One accepted correction, joined to the prediction it corrects when one was found. */
export interface FeedbackRecord {
  readonly endpoint: string;
  /** When the true label became known (the item's `time`, else when it was received); epoch ms. */
  readonly time: number;
  readonly receivedAt: number;
  readonly label: string;
  /** Who said so: 'broker', 'customs-ruling', 'curator', a file name... */
  readonly source: string;
  readonly requestId: string | null;
  readonly position: number | null;
  readonly text: string | null;
  readonly textSha256: string;
  /** The prediction it corrects (seq in the log, and what it answered); null when none was found by text. */
  readonly prediction: {
    readonly seq: number;
    readonly variant: string;
    readonly model: string;
    readonly version: string;
    readonly modelSha256: string;
    readonly label: string;
    readonly score: number;
    readonly at: number;
  } | null;
  /** The label is not one of the answering model's labels (accepted, flagged). */
  readonly newClass: boolean;
}

export interface StoredFeedback extends FeedbackRecord {
  readonly id: number;
}

export interface FeedbackQuery {
  readonly endpoint: string;
  /** On `time`: epoch ms, inclusive / exclusive. */
  readonly since?: number | undefined;
  readonly until?: number | undefined;
  readonly variant?: string | undefined;
  readonly modelSha256?: string | undefined;
  /** Only the newest `last` items (still oldest first). */
  readonly last?: number | undefined;
  /**
   * Only items whose id is above this: feedback is append-only and ids grow, so a reader that keeps
   * what it read (the dashboard's timeline) asks for what came since instead of reading it all again.
   */
  readonly afterId?: number | undefined;
  /**
   * Only items whose id is at most this: with countFeedback, whether a reader's mark (the count and
   * highest id it read) still holds, i.e. no item below that id committed after it read (PostgreSQL).
   */
  readonly throughId?: number | undefined;
}

export interface FeedbackStore {
  /** Stores every record in one transaction, durably (committed and synced) before it resolves; returns their ids. */
  addFeedback(records: readonly FeedbackRecord[]): Promise<number[]>;
  listFeedback(query: FeedbackQuery): Promise<StoredFeedback[]>;
  /**
   * The same items as listFeedback, in the same order, with only the true label and the label the
   * joined prediction gave (null without one): what an accuracy or confusion figure reads. Reading
   * two columns instead of nineteen is ~10x faster on tens of thousands of items (bench:ui).
   */
  listFeedbackLabels(query: FeedbackQuery): Promise<FeedbackLabels[]>;
  /** How many items listFeedback would list (`last` is not allowed: a count of the newest N is N or less). */
  countFeedback(query: FeedbackQuery): Promise<number>;
}

export interface FeedbackLabels {
  readonly label: string;
  /** What the joined prediction answered; null when no prediction was joined. */
  readonly predicted: string | null;
}

export interface ProfileStore {
  /** Stores (or replaces) the reference profile of a model artifact, as the JSON text of profile-codec. */
  saveProfile(modelSha256: string, profileJson: string, about: { readonly model: string; readonly version: string }): Promise<void>;
  getProfile(modelSha256: string): Promise<string | undefined>;
}

/** One alert transition, the typed shape the audit trail, stdout, the webhook and the lifecycle read. */
export interface AlertEventRecord {
  /** Stable id of the alert instance: rule + endpoint + variant + the time it fired. */
  readonly id: string;
  readonly state: 'fired' | 'resolved';
  readonly rule: string;
  readonly endpoint: string;
  readonly variant: string | null;
  readonly at: number;
  /** The metric's value when it changed state, and the rule's threshold. */
  readonly value: number;
  readonly threshold: number;
  readonly message: string;
}

export interface AlertStore {
  recordAlertEvent(event: AlertEventRecord): Promise<void>;
  /** Newest first. */
  listAlertEvents(query: { readonly endpoint?: string | undefined; readonly since?: number | undefined; readonly limit?: number | undefined }): Promise<AlertEventRecord[]>;
}
