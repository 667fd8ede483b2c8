import type pg from 'pg';
import { inTransaction } from '../../registry/postgres/connection.js';
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

type Queryable = pg.Pool | pg.PoolClient;

/** Rows per multi-row INSERT: 6 parameters each stays far below PostgreSQL's 65,535. */
const INSERT_CHUNK = 1000;

/** The taxonomy store in the registry's PostgreSQL schema; every write one transaction. */
export class PgTaxonomyStore implements TaxonomyStore {
  private ended: Promise<void> | undefined;

  constructor(private readonly pool: pg.Pool) {}

  async importTaxonomy(name: string, content: TaxonomyContent, meta: ChangeMeta): Promise<{ version: TaxonomyVersion; created: boolean }> {
    checkTaxonomyName(name);
    checkActor(meta);
    const contentSha256 = taxonomyContentHash(content);
    return inTransaction(this.pool, async (c) => {
      // Two importers of one name queue here, so each sees the other's version before numbering its own.
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`lading-taxonomy:${name}`]);
      const latest = (await c.query<VersionRow>('SELECT * FROM tax_versions WHERE name = $1 ORDER BY version DESC LIMIT 1', [name])).rows[0];
      if (latest !== undefined && latest.content_sha256 === contentSha256) return { version: toTaxonomyVersion(latest), created: false };
      const version: TaxonomyVersion = {
        name, version: (latest?.version ?? 0) + 1, contentSha256, parentLevels: content.parentLevels, codeCount: content.codes.length,
        source: meta.source, createdAt: new Date().toISOString(), createdBy: meta.actor, reason: meta.reason ?? null,
      };
      await c.query(`INSERT INTO tax_versions (${VERSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, versionValues(version));
      await insertRows(c, 'tax_codes (name, version, position, code, description, parents)',
        content.codes.map((code, i) => [name, version.version, i, code.code, code.description, JSON.stringify(code.parents)]));
      await audit(c, 'taxonomy.imported', taxonomyRefOf(version), meta, version.createdAt);
      return { version, created: true };
    });
  }

  async listTaxonomies(): Promise<TaxonomyVersion[]> {
    return (await this.pool.query<VersionRow>('SELECT * FROM tax_versions ORDER BY name, version')).rows.map(toTaxonomyVersion);
  }

  async getTaxonomy(ref: string): Promise<TaxonomyVersion> {
    return toTaxonomyVersion(await resolve(this.pool, ref));
  }

  async getCodes(ref: string): Promise<TaxonomyCode[]> {
    const v = await resolve(this.pool, ref);
    return (await this.pool.query<CodeRow>('SELECT code, description, parents FROM tax_codes WHERE name = $1 AND version = $2 ORDER BY position', [v.name, v.version]))
      .rows.map(toTaxonomyCode);
  }

  async saveCorrelation(from: TaxonomyKey, to: TaxonomyKey, pairs: readonly CorrelationPair[], meta: ChangeMeta): Promise<{ table: CorrelationTable; created: boolean }> {
    checkActor(meta);
    return inTransaction(this.pool, async (c) => {
      checkCorrelationPairs({ from, to, pairs, oldCodes: await codeSet(c, from), newCodes: await codeSet(c, to), file: meta.source });
      const contentSha256 = correlationContentHash(from, to, pairs);
      const table = newCorrelationTable(correlationIdOf(contentSha256), contentSha256, from, to, pairs, meta);
      const inserted = await c.query(`INSERT INTO tax_correlations (${CORRELATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        ON CONFLICT (content_sha256) DO NOTHING`, correlationValues(table));
      if (inserted.rowCount === 0) {
        const id = (await c.query<{ id: string }>('SELECT id FROM tax_correlations WHERE content_sha256 = $1', [contentSha256])).rows[0]!.id;
        return { table: await loadTable(c, id), created: false };
      }
      await insertRows(c, 'tax_correlation_pairs (correlation_id, position, line, old_code, new_code)',
        pairs.map((p, i) => [table.id, i, p.line, p.oldCode, p.newCode]));
      await audit(c, 'correlation.saved', table.id, meta, table.createdAt);
      return { table, created: true };
    });
  }

  async getCorrelation(idOrPrefix: string): Promise<CorrelationTable> {
    const ids = (await this.pool.query<{ id: string }>('SELECT id FROM tax_correlations WHERE id LIKE $1 ORDER BY id LIMIT 2',
      [`corr-${correlationIdPrefix(idOrPrefix)}%`])).rows;
    if (ids.length !== 1) throw correlationNotFound(idOrPrefix, ids.length);
    return loadTable(this.pool, ids[0]!.id);
  }

  async listCorrelations(): Promise<CorrelationTable[]> {
    return (await this.pool.query<CorrelationRow>('SELECT * FROM tax_correlations ORDER BY created_at, id')).rows.map((r) => toCorrelationTable(r, []));
  }

  async auditLog(): Promise<TaxonomyAuditEntry[]> {
    return (await this.pool.query<AuditRow>('SELECT * FROM tax_audit ORDER BY seq')).rows.map(toAuditEntry);
  }

  close(): Promise<void> {
    return (this.ended ??= this.pool.end());
  }
}

async function resolve(q: Queryable, ref: string): Promise<VersionRow> {
  const { name, version } = parseTaxonomyRef(ref);
  const rows = version === undefined
    ? (await q.query<VersionRow>('SELECT * FROM tax_versions WHERE name = $1 ORDER BY version DESC LIMIT 1', [name])).rows
    : (await q.query<VersionRow>('SELECT * FROM tax_versions WHERE name = $1 AND version = $2', [name, version])).rows;
  if (rows[0] === undefined) throw taxonomyNotFound(ref);
  return rows[0];
}

async function codeSet(q: Queryable, key: TaxonomyKey): Promise<Set<string>> {
  const v = await resolve(q, taxonomyRefOf(key));
  return new Set((await q.query<{ code: string }>('SELECT code FROM tax_codes WHERE name = $1 AND version = $2', [v.name, v.version])).rows.map((r) => r.code));
}

async function loadTable(q: Queryable, id: string): Promise<CorrelationTable> {
  const row = (await q.query<CorrelationRow>('SELECT * FROM tax_correlations WHERE id = $1', [id])).rows[0]!;
  const pairs = (await q.query<PairRow>('SELECT line, old_code, new_code FROM tax_correlation_pairs WHERE correlation_id = $1 ORDER BY position', [id])).rows;
  return toCorrelationTable(row, pairs);
}

async function insertRows(c: pg.PoolClient, into: string, rows: readonly unknown[][]): Promise<void> {
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const chunk = rows.slice(start, start + INSERT_CHUNK);
    const width = chunk[0]!.length;
    const tuples = chunk.map((_, r) => `(${Array.from({ length: width }, (__, k) => `$${r * width + k + 1}`).join(', ')})`);
    await c.query(`INSERT INTO ${into} VALUES ${tuples.join(', ')}`, chunk.flat());
  }
}

async function audit(c: pg.PoolClient, action: TaxonomyAuditEntry['action'], subject: string, meta: ChangeMeta, at: string): Promise<void> {
  await c.query('INSERT INTO tax_audit (at, actor, action, subject, reason) VALUES ($1, $2, $3, $4, $5)', [at, meta.actor, action, subject, meta.reason ?? null]);
}
