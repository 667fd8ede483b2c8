import type { ChangeMeta, CorrelationPair, CorrelationTable, TaxonomyAuditEntry, TaxonomyCode, TaxonomyKey, TaxonomyVersion } from './taxonomy.js';

/**
 * The rows both adapters store and read back, and their mapping to the domain types: one place, so
 * the SQLite and PostgreSQL stores cannot drift apart in what a column means.
 */
export interface VersionRow {
  name: string;
  version: number;
  content_sha256: string;
  parent_levels: string;
  code_count: number;
  source: string;
  created_at: string;
  created_by: string;
  reason: string | null;
}

export interface CodeRow {
  code: string;
  description: string;
  parents: string;
}

export interface CorrelationRow {
  id: string;
  content_sha256: string;
  from_name: string;
  from_version: number;
  to_name: string;
  to_version: number;
  source: string;
  created_at: string;
  created_by: string;
  reason: string | null;
}

export interface PairRow {
  line: number;
  old_code: string;
  new_code: string;
}

export interface AuditRow {
  seq: number | string;
  at: string;
  actor: string;
  action: string;
  subject: string;
  reason: string | null;
}

export const VERSION_COLUMNS = 'name, version, content_sha256, parent_levels, code_count, source, created_at, created_by, reason';
export const CORRELATION_COLUMNS = 'id, content_sha256, from_name, from_version, to_name, to_version, source, created_at, created_by, reason';

export function versionValues(v: TaxonomyVersion): unknown[] {
  return [v.name, v.version, v.contentSha256, JSON.stringify(v.parentLevels), v.codeCount, v.source, v.createdAt, v.createdBy, v.reason];
}

export function toTaxonomyVersion(r: VersionRow): TaxonomyVersion {
  return {
    name: r.name, version: Number(r.version), contentSha256: r.content_sha256, parentLevels: JSON.parse(r.parent_levels) as string[],
    codeCount: Number(r.code_count), source: r.source, createdAt: r.created_at, createdBy: r.created_by, reason: r.reason,
  };
}

export function toTaxonomyCode(r: CodeRow): TaxonomyCode {
  return { code: r.code, description: r.description, parents: JSON.parse(r.parents) as string[] };
}

export function correlationValues(t: CorrelationTable): unknown[] {
  return [t.id, t.contentSha256, t.from.name, t.from.version, t.to.name, t.to.version, t.source, t.createdAt, t.createdBy, t.reason];
}

export function toCorrelationTable(r: CorrelationRow, pairs: readonly PairRow[]): CorrelationTable {
  return {
    id: r.id, contentSha256: r.content_sha256,
    from: { name: r.from_name, version: Number(r.from_version) }, to: { name: r.to_name, version: Number(r.to_version) },
    pairs: pairs.map((p) => ({ oldCode: p.old_code, newCode: p.new_code, line: Number(p.line) })),
    source: r.source, createdAt: r.created_at, createdBy: r.created_by, reason: r.reason,
  };
}

export function toAuditEntry(r: AuditRow): TaxonomyAuditEntry {
  return { seq: Number(r.seq), at: r.at, actor: r.actor, action: r.action as TaxonomyAuditEntry['action'], subject: r.subject, reason: r.reason };
}

export function newCorrelationTable(id: string, contentSha256: string, from: TaxonomyKey, to: TaxonomyKey, pairs: readonly CorrelationPair[], meta: ChangeMeta): CorrelationTable {
  return { id, contentSha256, from, to, pairs, source: meta.source, createdAt: new Date().toISOString(), createdBy: meta.actor, reason: meta.reason ?? null };
}

export function checkActor(meta: ChangeMeta): ChangeMeta {
  if (typeof meta.actor !== 'string' || meta.actor.trim() === '') throw new TypeError('a taxonomy change needs an actor');
  return meta;
}
