import type { AliasRecord, ApprovalStatus, AuditAction, AuditEntry, InputSchema, ModelVersionRecord } from './model-registry.js';
import { aliasServesTraffic } from './model-rules.js';

/**
 * Row <-> record mapping shared by the SQLite and PostgreSQL model registries (same column names;
 * SQLite hands JSON back as text, PostgreSQL's jsonb as values; times as ISO text or Date).
 *
 * The immutable part of a version (labels, schema, metrics...) is parsed once and cached: versions
 * never change, and re-parsing a few thousand labels on every resolve would cost more than the query.
 */
export interface VersionRow {
  model: string;
  version: number;
  artifact_uri: string;
  artifact_sha256: string;
  artifact_bytes: number | string;
  kind: string;
  labels: unknown;
  input_schema: unknown;
  metrics: unknown;
  params: unknown;
  dataset_id: string | null;
  parent_version: number | null;
  code_version: string;
  registered_by: string;
  registered_at: string | Date;
  tags: unknown;
  approval_status: string;
  approval_by: string | null;
  approval_at: string | Date | null;
  approval_reason: string | null;
  deleted_at: string | Date | null;
}

export interface AliasRow {
  model: string;
  alias: string;
  version: number;
  moved_at: string | Date;
  moved_by: string;
}

/** The audit actions that move an alias (what rollbackTarget and aliasPeriods read). */
export const ALIAS_ACTIONS_SQL = `action IN ('alias-set', 'alias-delete', 'rollback')`;

export interface AuditRow {
  id: number | string;
  at: string | Date;
  actor: string;
  action: string;
  model: string;
  version: number | null;
  alias: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
}

type Immutable = Omit<ModelVersionRecord, 'approval' | 'deletedAt'>;

const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);
export const isoTime = (v: string | Date): string => (v instanceof Date ? v.toISOString() : v);
const isoOrNull = (v: string | Date | null): string | null => (v === null ? null : isoTime(v));

export function toAliasRecord(r: AliasRow): AliasRecord {
  return { model: r.model, alias: r.alias, version: r.version, movedAt: isoTime(r.moved_at), movedBy: r.moved_by, servesTraffic: aliasServesTraffic(r.alias) };
}

export class VersionRecordCache {
  private readonly cache = new Map<string, Immutable>();

  toRecord(row: VersionRow): ModelVersionRecord {
    const key = `${row.model}\u0000${row.version}`;
    let base = this.cache.get(key);
    if (base === undefined || base.artifactSha256 !== row.artifact_sha256) {
      base = {
        model: row.model,
        version: Number(row.version),
        artifactUri: row.artifact_uri,
        artifactSha256: row.artifact_sha256,
        artifactBytes: Number(row.artifact_bytes),
        kind: row.kind,
        labels: json(row.labels) as string[],
        inputSchema: json(row.input_schema) as InputSchema,
        metrics: json(row.metrics) as Record<string, number>,
        params: json(row.params) as Record<string, unknown>,
        datasetId: row.dataset_id,
        parentVersion: row.parent_version === null ? null : Number(row.parent_version),
        codeVersion: row.code_version,
        registeredBy: row.registered_by,
        registeredAt: isoTime(row.registered_at),
        tags: json(row.tags) as Record<string, string>,
      };
      this.cache.set(key, base);
    }
    return {
      ...base,
      approval: {
        status: row.approval_status as ApprovalStatus,
        by: row.approval_by,
        at: isoOrNull(row.approval_at),
        reason: row.approval_reason,
      },
      deletedAt: isoOrNull(row.deleted_at),
    };
  }
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    id: Number(row.id),
    at: isoTime(row.at),
    actor: row.actor,
    action: row.action as AuditAction,
    model: row.model,
    version: row.version === null ? null : Number(row.version),
    alias: row.alias,
    before: row.before === null ? null : json(row.before),
    after: row.after === null ? null : json(row.after),
    reason: row.reason,
  };
}

/** The audit `before`/`after` value of a version's approval. */
export function approvalState(v: ModelVersionRecord): Record<string, unknown> {
  return { status: v.approval.status, by: v.approval.by, reason: v.approval.reason };
}
