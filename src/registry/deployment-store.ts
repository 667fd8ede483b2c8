import type { DeploymentSpec } from '../core/deployment-spec.js';
import { ConflictError, InputError } from '../core/errors.js';

/**
 * The deployment half of the registry: every revision of every serving endpoint, append-only (a
 * change is a new revision, a rollback too), so the history is the audit trail of who changed what
 * traffic and why. SQLite (sqlite/deployment-store.ts) and PostgreSQL
 * (postgres/deployment-store.ts), in memory (memory/deployment-store.ts) implement it; test/registry/deployments/ is the one contract
 * suite both pass. The store checks only what storage needs (names, action, actor, the spec's
 * endpoint); whether a spec is a sensible deployment is serving's rule (serving/deployment.ts).
 */

export type DeploymentAction = 'deploy' | 'promote' | 'canary' | 'switch' | 'rollback' | 'remove';
export const DEPLOYMENT_ACTIONS: readonly DeploymentAction[] = ['deploy', 'promote', 'canary', 'switch', 'rollback', 'remove'];

/** One revision of an endpoint's deployment. `spec` null = the endpoint was removed. */
export interface DeploymentRecord {
  readonly endpoint: string;
  /** 1, 2, 3... per endpoint, gapless even when several processes append at once. */
  readonly revision: number;
  /** Increasing across all endpoints, in commit order: lets a server poll "anything after N?". */
  readonly seq: number;
  readonly spec: DeploymentSpec | null;
  readonly action: DeploymentAction;
  readonly actor: string;
  readonly reason: string | null;
  /** ISO-8601 time the revision was written. */
  readonly at: string;
}

export interface DeploymentStore {
  /**
   * Writes the endpoint's next revision (in one transaction) and returns it. InputError on bad
   * names; nothing is written then. With `expectedRevision` (the revision the change was computed
   * from; 0 = none yet) a concurrent change in between is a ConflictError instead of a lost update.
   */
  append(endpoint: string, spec: DeploymentSpec | null, action: DeploymentAction, actor: string, reason: string | null, expectedRevision?: number): Promise<DeploymentRecord>;
  current(endpoint: string): Promise<DeploymentRecord | undefined>;
  /** The newest revision of every endpoint (removed ones included, spec null), by endpoint name. */
  currentAll(): Promise<DeploymentRecord[]>;
  /** Every revision of one endpoint, oldest first. */
  history(endpoint: string): Promise<DeploymentRecord[]>;
  /** Highest seq written so far (0 when empty): a cheap "did anything change?" poll. */
  lastSeq(): Promise<number>;
}

const ENDPOINT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The checks every adapter applies before writing, so a bad call fails the same way on each. */
export function checkDeploymentAppend(endpoint: string, spec: DeploymentSpec | null, action: DeploymentAction, actor: string): void {
  if (typeof endpoint !== 'string' || !ENDPOINT_NAME.test(endpoint)) {
    throw new InputError('bad-endpoint-name', `endpoint name "${String(endpoint)}" must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`, { endpoint: String(endpoint) });
  }
  if (!DEPLOYMENT_ACTIONS.includes(action)) {
    throw new InputError('bad-deployment-action', `deployment action must be one of ${DEPLOYMENT_ACTIONS.join(', ')}, got "${String(action)}"`, { endpoint, action: String(action) });
  }
  if (typeof actor !== 'string' || actor.trim() === '') {
    throw new InputError('missing-actor', `an actor (who does this) is required for every deployment change (${endpoint})`, { endpoint });
  }
  if (spec !== null) {
    if (typeof spec !== 'object' || !Array.isArray(spec.variants)) {
      throw new InputError('bad-deployment-spec', `the deployment of ${endpoint} must be an object with a variants list`, { endpoint });
    }
    if (spec.endpoint !== endpoint) {
      throw new InputError('endpoint-mismatch', `the deployment names endpoint "${String(spec.endpoint)}" but is stored under "${endpoint}"`, { endpoint, specEndpoint: String(spec.endpoint) });
    }
  }
}

/** Code-point order, the same on every back-end (SQL collations differ). */
export function byEndpoint(a: DeploymentRecord, b: DeploymentRecord): number {
  return a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0;
}

/** The optimistic-concurrency check, run inside each adapter's write transaction. */
export function checkExpectedRevision(endpoint: string, latest: number, expected: number | undefined): void {
  if (expected !== undefined && latest !== expected) {
    throw new ConflictError('deployment-changed', `deployment ${endpoint} changed meanwhile: it is at revision ${latest}, this change was made from revision ${expected}`,
      { endpoint, revision: latest, expected }, 'Look at `lading deploy show` and apply the change again.');
  }
}
