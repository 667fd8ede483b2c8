/**
 * A taxonomy is a named, versioned label set: every code a model of it may answer, with its official
 * description and its parents (HS6 subheading 040320 has heading 0403 and chapter 04). Versions are
 * immutable and numbered 1..N per name; a new one is stored only when the content changed.
 */

export interface TaxonomyCode {
  readonly code: string;
  readonly description: string;
  /** The code's parents, aligned with the version's `parentLevels` ('' where a row has none). */
  readonly parents: readonly string[];
}

export interface TaxonomyContent {
  /** Names of the parent levels, narrowest first (for hs6.csv: label_4, label_2). */
  readonly parentLevels: readonly string[];
  /** Unique codes, in file order. */
  readonly codes: readonly TaxonomyCode[];
}

/** Who changed the store and why: recorded with every version and table, and in the audit log. */
export interface ChangeMeta {
  readonly actor: string;
  readonly reason?: string | undefined;
  /** Where the content came from (a file path), informational. */
  readonly source: string;
}

export interface TaxonomyVersion {
  readonly name: string;
  readonly version: number;
  /** sha256 of the canonical content (taxonomy-content.ts): the same content is the same version. */
  readonly contentSha256: string;
  readonly parentLevels: readonly string[];
  readonly codeCount: number;
  readonly source: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly reason: string | null;
}

/** A version named the way the CLI, registry tags and messages write it: `hs2022@1`. */
export function taxonomyRefOf(v: { readonly name: string; readonly version: number }): string {
  return `${v.name}@${v.version}`;
}

/** One row of a correlation table: an old code and one of the codes it becomes. */
export interface CorrelationPair {
  readonly oldCode: string;
  readonly newCode: string;
  /** The line of the file the pair came from (1-based, header on line 1); for error messages. */
  readonly line: number;
}

/**
 * A correlation table between two taxonomy versions (HS 2017 -> HS 2022, a catalogue before and after
 * a restructure), as customs authorities publish them: one row per (old, new) pair, a split being
 * several rows with the same old code. Immutable; named by its content.
 */
export interface CorrelationTable {
  /** `corr-` + the first 16 hex digits of contentSha256. */
  readonly id: string;
  readonly contentSha256: string;
  readonly from: TaxonomyKey;
  readonly to: TaxonomyKey;
  readonly pairs: readonly CorrelationPair[];
  readonly source: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly reason: string | null;
}

export interface TaxonomyKey {
  readonly name: string;
  readonly version: number;
}

export type TaxonomyAction = 'taxonomy.imported' | 'correlation.saved';

/** One entry of the append-only audit log: who did what to which taxonomy or table, when and why. */
export interface TaxonomyAuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: TaxonomyAction;
  /** `hs2022@2` or `corr-...`. */
  readonly subject: string;
  readonly reason: string | null;
}
