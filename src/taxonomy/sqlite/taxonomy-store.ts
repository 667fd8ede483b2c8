import type Database from 'better-sqlite3';
import { checkCorrelationPairs, correlationContentHash, correlationIdOf, correlationIdPrefix, correlationNotFound } from '../correlation-rules.js';
import {
  checkActor, CORRELATION_COLUMNS, correlationValues, newCorrelationTable, toAuditEntry, toCorrelationTable, toTaxonomyCode, toTaxonomyVersion,
  VERSION_COLUMNS, versionValues, type AuditRow, type CodeRow, type CorrelationRow, type PairRow, type VersionRow,
} from '../store-records.js';
import type {
  ChangeMeta, CorrelationPair, CorrelationTable, TaxonomyAuditEntry, TaxonomyCode, TaxonomyContent, TaxonomyKey, TaxonomyVersion,
} from '../taxonomy.js';
import { taxonomyRefOf } from '../taxonomy.js';
import { checkTaxonomyName, parseTaxonomyRef, taxonomyContentHash, taxonomyNotFound } from '../taxonomy-rules.js';
import type { TaxonomyStore } from '../taxonomy-store.js';

/** The taxonomy store on the workspace's SQLite file; every write one BEGIN IMMEDIATE transaction. */
export class SqliteTaxonomyStore implements TaxonomyStore {
  constructor(private readonly db: Database.Database) {}

  async importTaxonomy(name: string, content: TaxonomyContent, meta: ChangeMeta): Promise<{ version: TaxonomyVersion; created: boolean }> {
    checkTaxonomyName(name);
    checkActor(meta);
    const contentSha256 = taxonomyContentHash(content);
    return this.db.transaction(() => {
      const latest = this.db.prepare('SELECT * FROM tax_versions WHERE name = ? ORDER BY version DESC LIMIT 1').get(name) as VersionRow | undefined;
      if (latest !== undefined && latest.content_sha256 === contentSha256) return { version: toTaxonomyVersion(latest), created: false };
      const version: TaxonomyVersion = {
        name, version: (latest?.version ?? 0) + 1, contentSha256, parentLevels: content.parentLevels, codeCount: content.codes.length,
        source: meta.source, createdAt: new Date().toISOString(), createdBy: meta.actor, reason: meta.reason ?? null,
      };
      this.db.prepare(`INSERT INTO tax_versions (${VERSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(...versionValues(version));
      const insert = this.db.prepare('INSERT INTO tax_codes (name, version, position, code, description, parents) VALUES (?, ?, ?, ?, ?, ?)');
      content.codes.forEach((c, i) => insert.run(name, version.version, i, c.code, c.description, JSON.stringify(c.parents)));
      this.audit('taxonomy.imported', taxonomyRefOf(version), meta, version.createdAt);
      return { version, created: true };
    }).immediate();
  }

  async listTaxonomies(): Promise<TaxonomyVersion[]> {
    return (this.db.prepare('SELECT * FROM tax_versions ORDER BY name, version').all() as VersionRow[]).map(toTaxonomyVersion);
  }

  async getTaxonomy(ref: string): Promise<TaxonomyVersion> {
    return toTaxonomyVersion(this.resolve(ref));
  }

  async getCodes(ref: string): Promise<TaxonomyCode[]> {
    const v = this.resolve(ref);
    return (this.db.prepare('SELECT code, description, parents FROM tax_codes WHERE name = ? AND version = ? ORDER BY position')
      .all(v.name, v.version) as CodeRow[]).map(toTaxonomyCode);
  }

  async saveCorrelation(from: TaxonomyKey, to: TaxonomyKey, pairs: readonly CorrelationPair[], meta: ChangeMeta): Promise<{ table: CorrelationTable; created: boolean }> {
    checkActor(meta);
    return this.db.transaction(() => {
      const oldCodes = this.codeSet(from);
      const newCodes = this.codeSet(to);
      checkCorrelationPairs({ from, to, pairs, oldCodes, newCodes, file: meta.source });
      const contentSha256 = correlationContentHash(from, to, pairs);
      const existing = this.db.prepare('SELECT id FROM tax_correlations WHERE content_sha256 = ?').pluck().get(contentSha256) as string | undefined;
      if (existing !== undefined) return { table: this.loadTable(existing), created: false };
      const table = newCorrelationTable(correlationIdOf(contentSha256), contentSha256, from, to, pairs, meta);
      this.db.prepare(`INSERT INTO tax_correlations (${CORRELATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(...correlationValues(table));
      const insert = this.db.prepare('INSERT INTO tax_correlation_pairs (correlation_id, position, line, old_code, new_code) VALUES (?, ?, ?, ?, ?)');
      pairs.forEach((p, i) => insert.run(table.id, i, p.line, p.oldCode, p.newCode));
      this.audit('correlation.saved', table.id, meta, table.createdAt);
      return { table, created: true };
    }).immediate();
  }

  async getCorrelation(idOrPrefix: string): Promise<CorrelationTable> {
    const ids = this.db.prepare('SELECT id FROM tax_correlations WHERE id GLOB ? ORDER BY id LIMIT 2').pluck()
      .all(`corr-${correlationIdPrefix(idOrPrefix)}*`) as string[];
    if (ids.length !== 1) throw correlationNotFound(idOrPrefix, ids.length);
    return this.loadTable(ids[0]!);
  }

  async listCorrelations(): Promise<CorrelationTable[]> {
    return (this.db.prepare('SELECT * FROM tax_correlations ORDER BY created_at, id').all() as CorrelationRow[]).map((r) => toCorrelationTable(r, []));
  }

  async auditLog(): Promise<TaxonomyAuditEntry[]> {
    return (this.db.prepare('SELECT * FROM tax_audit ORDER BY seq').all() as AuditRow[]).map(toAuditEntry);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private resolve(ref: string): VersionRow {
    const { name, version } = parseTaxonomyRef(ref);
    const row = version === undefined
      ? this.db.prepare('SELECT * FROM tax_versions WHERE name = ? ORDER BY version DESC LIMIT 1').get(name)
      : this.db.prepare('SELECT * FROM tax_versions WHERE name = ? AND version = ?').get(name, version);
    if (row === undefined) throw taxonomyNotFound(ref);
    return row as VersionRow;
  }

  private codeSet(key: TaxonomyKey): Set<string> {
    const v = this.resolve(taxonomyRefOf(key));
    return new Set(this.db.prepare('SELECT code FROM tax_codes WHERE name = ? AND version = ?').pluck().all(v.name, v.version) as string[]);
  }

  private loadTable(id: string): CorrelationTable {
    const row = this.db.prepare('SELECT * FROM tax_correlations WHERE id = ?').get(id) as CorrelationRow;
    const pairs = this.db.prepare('SELECT line, old_code, new_code FROM tax_correlation_pairs WHERE correlation_id = ? ORDER BY position').all(id) as PairRow[];
    return toCorrelationTable(row, pairs);
  }

  private audit(action: TaxonomyAuditEntry['action'], subject: string, meta: ChangeMeta, at: string): void {
    this.db.prepare('INSERT INTO tax_audit (at, actor, action, subject, reason) VALUES (?, ?, ?, ?, ?)').run(at, meta.actor, action, subject, meta.reason ?? null);
  }
}
