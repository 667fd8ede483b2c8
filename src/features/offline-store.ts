import type { FeatureViewSpec } from './feature-spec.js';
import type { FeatureValue } from './feature-values.js';

/**
 * The offline store: registered feature views (versioned and audited as models are) and every
 * value ever ingested, with the time it became true. Adapters: sqlite/ (the default, a file of
 * its own under the workspace home) and postgres/ (at scale); one contract suite runs on both.
 *
 * Values belong to a view (all of its versions): a new version may add features (older rows have
 * none of them) but may not change a feature's type or the view's entity, which would make the
 * stored history mean something else; that needs a new view.
 */
export interface StoredView {
  readonly name: string;
  readonly version: number;
  readonly spec: FeatureViewSpec;
  /** sha256 of canonicalView(spec): the version's identity. */
  readonly sha256: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly reason: string | null;
}

export interface ApplyResult {
  readonly view: StoredView;
  /** created: the first version; changed: a new version; unchanged: the declaration is the latest version already. */
  readonly change: 'created' | 'changed' | 'unchanged';
}

/** Values to append, columnar: row r is (entityKeys[r], times[r], values[f][r] for each feature of `features`). */
export interface IngestBatch {
  readonly entityKeys: readonly string[];
  readonly times: Float64Array;
  /** The view's features this batch carries (a subset; missing ones are null). */
  readonly features: readonly string[];
  readonly values: readonly (readonly FeatureValue[])[];
  /** Where the rows came from (a file name), recorded with the ingest. */
  readonly source: string;
}

export interface IngestResult {
  readonly view: string;
  readonly version: number;
  readonly rows: number;
  readonly newEntities: number;
  /** Earliest and latest event time of the batch (epoch ms). */
  readonly from: number;
  readonly to: number;
}

/** One page of a view's history, in (entity id, time, ingest order) order. */
export interface HistoryPage {
  readonly size: number;
  readonly entityIds: Int32Array;
  readonly times: Float64Array;
  /** values[f][r], f in the order asked. */
  readonly values: readonly (readonly FeatureValue[])[];
}

export interface FeatureAuditEntry {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly action: 'apply' | 'ingest';
  readonly view: string;
  readonly version: number;
  readonly detail: string;
}

export interface OfflineStore {
  /** Registers each declared view: a new version when it changed, nothing when it did not. All or nothing. */
  apply(views: readonly FeatureViewSpec[], actor: string, reason?: string): Promise<ApplyResult[]>;
  /** The latest version of every view, by name. */
  listViews(): Promise<StoredView[]>;
  /** A view's version (default the latest); NotFoundError naming what exists. */
  getView(name: string, version?: number): Promise<StoredView>;
  /** Appends the batch in one transaction (all rows or none), against the view's latest version. */
  ingest(view: string, batch: IngestBatch, actor: string): Promise<IngestResult>;
  /** The store's ids of an entity's keys, -1 for a key never ingested (ids order the history pages). */
  entityIds(entity: string, keys: readonly string[]): Promise<Int32Array>;
  /** Every row of the view's history, in (entity id, time, ingest order) order, page by page. */
  scanHistory(view: string, features: readonly string[], onPage: (page: HistoryPage) => void, pageRows?: number): Promise<void>;
  auditLog(view?: string): Promise<FeatureAuditEntry[]>;
  close(): Promise<void>;
}
