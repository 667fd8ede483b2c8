import type { DatasetVersion } from '../core/dataset.js';
import { eventIdOf, makeEvent, type LifecycleEvent } from '../core/lifecycle-events.js';
import { rollbackTarget } from '../lifecycle/deployment-control.js';
import type { ReleaseRecord } from '../lifecycle/release/release-record.js';
import type { FeedbackRecord } from '../monitoring/store/monitoring-store.js';
import type { DeploymentRecord } from '../registry/deployment-store.js';
import type { AliasMove, ModelVersionRecord } from '../registry/model-registry.js';

/**
 * The events of the changes a person's verbs make, one function per change. Each id is derived
 * from what the registry or store recorded (names, numbers and the time it wrote them), never
 * random: publishing the same change twice gives the same id, and the bus keeps one.
 */

const ms = (iso: string | null): number => (iso === null ? 0 : Date.parse(iso));

/** `ordinal`: the version's place among the workspace's dataset versions (1 = the first imported). */
export function datasetCreated(v: DatasetVersion, ordinal: number): LifecycleEvent {
  return makeEvent('dataset.created', { dataset: v.id, version: ordinal, rows: v.stats.rows, sha256: v.contentSha256 },
    { id: eventIdOf('dataset-created', v.id), time: ms(v.createdAt) });
}

export function modelRegistered(v: ModelVersionRecord): LifecycleEvent {
  return makeEvent('model.registered', {
    model: v.model, version: v.version, sha256: v.artifactSha256, ...(v.datasetId !== null ? { dataset: v.datasetId } : {}), actor: v.registeredBy,
  }, { id: eventIdOf('model-registered', v.model, v.version, ms(v.registeredAt)), time: ms(v.registeredAt) });
}

/** An approval or a rejection as the registry recorded it (who, when, why). */
export function modelDecided(v: ModelVersionRecord, actor: string): LifecycleEvent {
  const at = ms(v.approval.at);
  const by = v.approval.by ?? actor;
  const id = { id: eventIdOf(`model-${v.approval.status}`, v.model, v.version, at), time: at };
  if (v.approval.status === 'rejected') {
    return makeEvent('model.rejected', { model: v.model, version: v.version, actor: by, reason: v.approval.reason ?? 'rejected' }, id);
  }
  return makeEvent('model.approved', { model: v.model, version: v.version, actor: by, ...(v.approval.reason ? { reason: v.approval.reason } : {}) }, id);
}

/**
 * An alias that moved (set, rolled back) as the registry recorded it. The id is the audit row's, so
 * the same move published twice is one event; null when the move changed nothing (no event then).
 */
export function aliasMoved(move: AliasMove, reason: string | undefined): LifecycleEvent | null {
  if (move.auditId === null) return null;
  const a = move.alias;
  const time = ms(a.movedAt);
  return makeEvent('model.alias.moved', {
    model: a.model, alias: a.alias, version: a.version, previousVersion: move.previousVersion, actor: a.movedBy, ...(reason ? { reason } : {}),
  }, { id: eventIdOf('model-alias-moved', a.model, a.alias, move.auditId), time });
}

/** An alias removed; `previousVersion` is where it pointed (read before the removal). */
export function aliasRemoved(model: string, alias: string, previousVersion: number | null, actor: string, reason: string | undefined, at: number): LifecycleEvent {
  return makeEvent('model.alias.moved', {
    model, alias, version: null, previousVersion, actor, ...(reason ? { reason } : {}),
  }, { id: eventIdOf('model-alias-removed', model, alias, at), time: at });
}

/**
 * A new deployment revision: `rollback.done` when it restored an earlier revision (named from the
 * endpoint's history before it), else `deployment.changed` with the store's action.
 */
export function deploymentChanged(rec: DeploymentRecord, history: readonly DeploymentRecord[]): LifecycleEvent {
  const time = ms(rec.at);
  const reason = rec.reason ?? undefined;
  if (rec.action === 'rollback') {
    const restored = restoredRevision(rec, history.filter((h) => h.revision < rec.revision));
    if (restored !== undefined) {
      return makeEvent('rollback.done', {
        endpoint: rec.endpoint, revision: rec.revision, toRevision: restored, actor: rec.actor, reason: reason ?? `restore revision ${restored}`,
      }, { id: eventIdOf('rollback-done', rec.endpoint, rec.revision, time), time });
    }
  }
  return makeEvent('deployment.changed', { endpoint: rec.endpoint, revision: rec.revision, action: rec.action, actor: rec.actor, ...(reason ? { reason } : {}) },
    { id: eventIdOf('deployment-changed', rec.endpoint, rec.revision, time), time });
}

/**
 * Which earlier revision a rollback restored: the one `lading deploy rollback` picks when its spec
 * is the one written, else the newest earlier revision with that spec (`experiment stop` restores
 * the spec its release started from); undefined when no earlier revision had it.
 */
function restoredRevision(rec: DeploymentRecord, before: readonly DeploymentRecord[]): number | undefined {
  const written = canonical(rec.spec);
  const target = rollbackTarget(before);
  if (target !== undefined && canonical(target.spec) === written) return target.revision;
  return [...before].reverse().find((h) => canonical(h.spec) === written)?.revision;
}

/** JSON with sorted keys: a spec read back from a database compares equal whatever its key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : v));
}

/**
 * One `feedback.received` per endpoint of a stored batch: how many items, and how many carry a label
 * the answering model does not know (`newLabels`, the items flagged newClass). `ids` are the store's
 * ids of `records`, in the same order.
 */
export function feedbackReceived(records: readonly FeedbackRecord[], ids: readonly number[]): LifecycleEvent[] {
  const byEndpoint = new Map<string, { count: number; newLabels: number; first: number; last: number; time: number }>();
  records.forEach((r, i) => {
    const id = ids[i] ?? 0;
    const e = byEndpoint.get(r.endpoint) ?? { count: 0, newLabels: 0, first: id, last: id, time: r.receivedAt };
    e.count++;
    if (r.newClass) e.newLabels++;
    e.first = Math.min(e.first, id);
    e.last = Math.max(e.last, id);
    byEndpoint.set(r.endpoint, e);
  });
  return [...byEndpoint].map(([endpoint, e]) => makeEvent('feedback.received', { endpoint, count: e.count, newLabels: e.newLabels },
    { id: eventIdOf('feedback-received', endpoint, e.first, e.last, e.time), time: e.time }));
}

/** A person approved a release (its approval step); `experiment` is named as the controller names it, `release-<id>`. */
export function experimentApproved(r: ReleaseRecord, actor: string): LifecycleEvent {
  const experiment = `release-${r.id}`;
  return makeEvent('experiment.approved', { endpoint: r.endpoint, experiment, actor }, { id: eventIdOf(experiment, 'approved', r.rev) });
}
