import type {
  ChangeMeta, CorrelationPair, CorrelationTable, TaxonomyAuditEntry, TaxonomyCode, TaxonomyContent, TaxonomyKey, TaxonomyVersion,
} from './taxonomy.js';

/**
 * Where taxonomies and correlation tables live. The sqlite/ and postgres/ adapters (same file names
 * in each) pass one contract suite (test/taxonomy/). Every write is one transaction and is audited;
 * a refused write changes nothing.
 */
export interface TaxonomyStore {
  /**
   * Stores `content` as the next version of `name` when it differs from the latest version's content;
   * otherwise nothing is written and `created` is false. InputError on duplicate or empty codes.
   */
  importTaxonomy(name: string, content: TaxonomyContent, meta: ChangeMeta): Promise<{ readonly version: TaxonomyVersion; readonly created: boolean }>;
  /** Every version of every taxonomy, by name then version. */
  listTaxonomies(): Promise<TaxonomyVersion[]>;
  /** `name` (its latest version) or `name@N`. NotFoundError otherwise. */
  getTaxonomy(ref: string): Promise<TaxonomyVersion>;
  /** The codes of a version, in the order they were imported. */
  getCodes(ref: string): Promise<TaxonomyCode[]>;
  /**
   * Stores a correlation table from one stored version to another, after checking every pair against
   * both (correlation-rules.ts: unknown codes, duplicate pairs, cycles): InputError naming the line,
   * nothing stored. The same pairs between the same versions are the same table (`created` false).
   */
  saveCorrelation(from: TaxonomyKey, to: TaxonomyKey, pairs: readonly CorrelationPair[], meta: ChangeMeta):
    Promise<{ readonly table: CorrelationTable; readonly created: boolean }>;
  /** A table by id or a unique prefix of it (with or without `corr-`). */
  getCorrelation(idOrPrefix: string): Promise<CorrelationTable>;
  /** Every table, oldest first, without their pairs (pairs: []). */
  listCorrelations(): Promise<CorrelationTable[]>;
  /** The audit log, oldest first. */
  auditLog(): Promise<TaxonomyAuditEntry[]>;
  close(): Promise<void>;
}
