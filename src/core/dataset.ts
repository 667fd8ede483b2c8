/**
 * A dataset version: immutable rows of one text column and one or more label columns, named by the
 * sha256 of its canonical content (so the same rows imported from CSV or JSONL are the same version).
 */
export interface DatasetRows {
  readonly textColumn: string;
  /** The label columns kept, primary first. */
  readonly labelColumns: readonly string[];
  readonly texts: readonly string[];
  /** labels[column][row] */
  readonly labels: Readonly<Record<string, readonly string[]>>;
  /**
   * Entity features joined point in time (`lading features training-set`), one column per
   * `VIEW:FEATURE`; null where the example had no value. Absent on plain datasets.
   */
  readonly featureColumns?: readonly string[];
  /** features[column][row] */
  readonly features?: Readonly<Record<string, readonly FeatureCell[]>>;
  /**
   * Rows whose label a person gave because a model routed the text to review (ascending row
   * indices): not a sample of traffic, since they were picked for being hard. They train like any
   * row; the decide-or-route evidence leaves them out (training/traffic-rows.ts). Absent: none.
   */
  readonly reviewRows?: readonly number[];
}

/** A joined feature value as a dataset keeps it. */
export type FeatureCell = string | number | boolean | null;

export interface LabelCount {
  readonly label: string;
  readonly count: number;
}

export interface ConflictingText {
  readonly text: string;
  /** The distinct labels (of the primary column) this normalised text carries, with counts. */
  readonly labels: readonly LabelCount[];
}

export interface DatasetStats {
  readonly rows: number;
  /** Per label column: labels with counts, most frequent first, ties by label. */
  readonly labelHistogram: Readonly<Record<string, readonly LabelCount[]>>;
  readonly classes: Readonly<Record<string, number>>;
  /** Rows whose normalised text appeared on an earlier row. */
  readonly duplicateRows: number;
  /** Distinct normalised texts that carry more than one primary label. */
  readonly conflictingTexts: number;
  readonly conflictExamples: readonly ConflictingText[];
  readonly emptyTexts: number;
  readonly overlongTexts: number;
  /** Character length above which a text counts as overlong. */
  readonly overlongThreshold: number;
  readonly textLength: { readonly min: number; readonly median: number; readonly max: number };
  readonly tokens: { readonly median: number; readonly max: number };
}

export interface DatasetVersion {
  /** `ds-` + the first 16 hex digits of contentSha256. */
  readonly id: string;
  readonly contentSha256: string;
  /** Where the rows came from (informational; not part of the identity). */
  readonly source: {
    readonly file: string;
    readonly format: 'csv' | 'jsonl';
    /** A point-in-time training set's lineage: the feature view versions it joined (`VIEW@VERSION`). */
    readonly features?: readonly string[];
  };
  readonly createdAt: string;
  readonly textColumn: string;
  readonly labelColumns: readonly string[];
  /**
   * Prefix lengths of hierarchical primary labels (HS codes: [2, 4, 6] = chapter, heading,
   * subheading). Metadata, not part of the content hash; absent for flat labels.
   */
  readonly levels?: readonly number[];
  readonly stats: DatasetStats;
}

export function datasetIdFromHash(contentSha256: string): string {
  return `ds-${contentSha256.slice(0, 16)}`;
}
