import { ConflictError, NotFoundError } from '../../core/errors.js';
import type { ReleaseEvent, ReleaseRecord, ReleaseUpdate } from './release-record.js';

/**
 * A release as its table row, the same columns on SQLite and PostgreSQL (sqlite/, postgres/), so
 * both adapters map rows, build updates and word their conflicts through this one file.
 */
export interface ReleaseRow {
  id: number; endpoint: string; pipeline: string | null; challenger: string; champion: string; base_spec: string; base_revision: number;
  plan: string; status: string; step: number; step_since: number; since: number; revision: number; intent: string | null; reason: string;
  approved_by: string | null; started_at: number; updated_at: number; rev: number;
}

export interface ReleaseEventRow { at: number; what: string; revision: number | null }

/** The SQL condition "not final". */
export const ACTIVE_RELEASE = `status IN ('running', 'awaiting-approval')`;

/** The columns an update writes, in order, with their values (updated_at and rev always). */
export function updateColumns(change: ReleaseUpdate, rev: number, now: number): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  if (change.status !== undefined) out.push(['status', change.status]);
  if (change.step !== undefined) out.push(['step', change.step]);
  if (change.stepSince !== undefined) out.push(['step_since', change.stepSince]);
  if (change.since !== undefined) out.push(['since', change.since]);
  if (change.revision !== undefined) out.push(['revision', change.revision]);
  if (change.intent !== undefined) out.push(['intent', change.intent === null ? null : JSON.stringify(change.intent)]);
  if (change.reason !== undefined) out.push(['reason', change.reason]);
  if (change.approvedBy !== undefined) out.push(['approved_by', change.approvedBy]);
  out.push(['updated_at', now], ['rev', rev + 1]);
  return out;
}

export function recordFromRow(row: ReleaseRow, events: readonly ReleaseEventRow[]): ReleaseRecord {
  return {
    id: row.id, endpoint: row.endpoint, pipeline: row.pipeline, challenger: row.challenger, champion: row.champion,
    baseSpec: JSON.parse(row.base_spec), baseRevision: row.base_revision, plan: JSON.parse(row.plan),
    status: row.status as ReleaseRecord['status'], step: row.step, stepSince: row.step_since, since: row.since, revision: row.revision,
    intent: row.intent === null ? null : JSON.parse(row.intent), reason: row.reason, approvedBy: row.approved_by,
    startedAt: row.started_at, updatedAt: row.updated_at, rev: row.rev,
    events: events.map((e) => ({ at: e.at, what: e.what, revision: e.revision ?? undefined })),
  };
}

export function createdEvent(r: { challenger: string; champion: string; endpoint: string; reason: string }, now: number): ReleaseEvent {
  return { at: now, what: `release of ${r.challenger} against ${r.champion} on ${r.endpoint} created: ${r.reason}` };
}

export function releaseInProgress(endpoint: string, id: number): ConflictError {
  return new ConflictError('release-in-progress', `endpoint ${endpoint} already has release ${id} in progress`, { endpoint, release: id },
    `Wait for it, or stop it: \`lading experiment stop ${endpoint}\`.`);
}

export function releaseChanged(id: number, now: number, expected: number): ConflictError {
  return new ConflictError('release-changed', `release ${id} changed meanwhile (now at ${now}, this change was made from ${expected})`, { release: id, rev: now, expected });
}

export function unknownRelease(id: number): NotFoundError {
  return new NotFoundError('unknown-release', `no release ${id}`, { release: id });
}
