import type { DeploymentSpec } from '../../core/deployment-spec.js';
import type { ReleasePlan } from '../pipeline/pipeline-spec.js';

/**
 * Where a release stands. `running`: the controller moves it through the plan's steps;
 * `awaiting-approval`: held for a person; the rest are final.
 */
export type ReleaseStatus = 'running' | 'awaiting-approval' | 'promoted' | 'rolled-back' | 'stopped';
export const FINAL_RELEASE_STATUSES: readonly ReleaseStatus[] = ['promoted', 'rolled-back', 'stopped'];

/**
 * A deployment change the controller decided on and wrote down BEFORE making it, so that a
 * controller killed between deciding and recording the outcome can tell, on restart, whether the
 * change landed (the endpoint's revision fromRevision + 1 carries this intent's tag) or not (the
 * endpoint is still at fromRevision), and finish or redo it, never do it twice.
 */
export interface ReleaseIntent {
  readonly action: 'step' | 'promote' | 'rollback';
  /** The step the release is at once the change lands (for 'step'). */
  readonly toStep: number;
  readonly fromRevision: number;
  /** Written into the deployment revision's reason: `[release 7 step 2]`. */
  readonly tag: string;
  readonly reason: string;
}

/** One line of a release's story, as `lading experiment show` prints it. */
export interface ReleaseEvent {
  readonly at: number;
  readonly what: string;
  readonly revision?: number | undefined;
}

/** What starting a release records. */
export interface NewRelease {
  readonly endpoint: string;
  /** The pipeline that produced the candidate; null for a release started by hand. */
  readonly pipeline: string | null;
  /** The candidate, pinned: `name@N`. */
  readonly challenger: string;
  /** What the endpoint served before the release (its primary's ref), and the whole spec to restore. */
  readonly champion: string;
  readonly baseSpec: DeploymentSpec;
  readonly baseRevision: number;
  readonly plan: ReleasePlan;
  /** Why it ended, or what it waits for. */
  readonly reason: string;
}

export interface ReleaseRecord extends NewRelease {
  readonly id: number;
  readonly status: ReleaseStatus;
  /** Index into plan.steps; -1 before the first step's deployment landed. */
  readonly step: number;
  /** Epoch ms the current step's deployment landed: its evidence is what was logged since. */
  readonly stepSince: number;
  /** Epoch ms the first step landed: accuracy evidence accumulates from here over all steps. */
  readonly since: number;
  /** The last deployment revision the controller wrote or accepted; anything newer is someone else's. */
  readonly revision: number;
  readonly intent: ReleaseIntent | null;
  /** Set by `lading experiment approve`. */
  readonly approvedBy: string | null;
  readonly startedAt: number;
  readonly updatedAt: number;
  /** Optimistic-concurrency counter: every update names the one it read. */
  readonly rev: number;
  readonly events: readonly ReleaseEvent[];
}

export type ReleaseUpdate = Partial<Pick<ReleaseRecord, 'status' | 'step' | 'stepSince' | 'since' | 'revision' | 'intent' | 'reason' | 'approvedBy'>>;


/** Releases and the single-controller lease (sqlite/ and, at scale, postgres/ implement it). */
export interface ReleaseStore {
  /** ConflictError when the endpoint already has a release that is not final. */
  create(release: NewRelease, now: number): Promise<ReleaseRecord>;
  get(id: number): Promise<ReleaseRecord | undefined>;
  /** The endpoint's release that is not final, if any. */
  active(endpoint: string): Promise<ReleaseRecord | undefined>;
  /** Every release not final, oldest first. */
  listActive(): Promise<ReleaseRecord[]>;
  /** Newest first. */
  list(endpoint?: string, limit?: number): Promise<ReleaseRecord[]>;
  /**
   * Applies `change` and appends `event` in one transaction, only if the record is still at `rev`
   * (ConflictError otherwise: another actor moved it); returns the new record.
   */
  update(id: number, rev: number, change: ReleaseUpdate, event: ReleaseEvent | null, now: number): Promise<ReleaseRecord>;
  close(): Promise<void>;
}

export function isFinal(status: ReleaseStatus): boolean {
  return FINAL_RELEASE_STATUSES.includes(status);
}
