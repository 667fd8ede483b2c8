import { ConflictError, InputError, NotFoundError } from '../../core/errors.js';
import type { MonitoringStore } from '../../monitoring/store/monitoring-store.js';
import type { DeploymentAction, DeploymentRecord } from '../../registry/deployment-store.js';
import type { ReleasePlan } from '../pipeline/pipeline-spec.js';
import type { ReleaseControl } from '../release-control.js';
import { DEFAULT_ALIAS } from '../../registry/model-rules.js';
import { gatherEvidence, type ReleaseEvidence } from './release-evidence.js';
import { decideRelease, type ReleaseDecision } from './release-decision.js';
import { challengerVariantName, championVariant, describeStep, stepDeployment } from './release-plan.js';
import { isFinal, type ReleaseIntent, type ReleaseRecord, type ReleaseStore, type ReleaseUpdate } from './release-record.js';
import type { ReleaseStatistics } from './release-statistics.js';

/** What the runner tells the world (the controller publishes these on the bus and prints them). */
export interface ReleaseNotice {
  readonly type: 'release-started' | 'step-started' | 'awaiting-approval' | 'promoted' | 'rolled-back' | 'stopped';
  readonly release: number;
  readonly endpoint: string;
  readonly challenger: string;
  readonly champion: string;
  readonly reason: string;
  readonly revision?: number | undefined;
  /** The release as it is after the change. */
  readonly record: ReleaseRecord;
}

export interface ReleaseRunnerDeps {
  readonly releases: ReleaseStore;
  readonly control: ReleaseControl;
  readonly monitoring: MonitoringStore;
  readonly stats: ReleaseStatistics;
  readonly now: () => number;
  /** Who the audit log names for every change the runner makes. */
  readonly actor: string;
  readonly notify?: (notice: ReleaseNotice) => void | Promise<void>;
  /** Test seam: called between writing an intent and making the change, to kill the process right there. */
  readonly beforeChange?: (intent: ReleaseIntent) => void | Promise<void>;
}

export interface StartReleaseInput {
  readonly endpoint: string;
  /** A registered version, pinned (`name@N`). */
  readonly challenger: string;
  readonly pipeline: string | null;
  readonly plan: ReleasePlan;
  readonly reason: string;
}

/**
 * Moves releases through their plans, one tick at a time. Every deployment change follows the
 * same protocol so a kill at any instant is harmless: (1) the intent (what, from which revision,
 * with which tag) is written to the release record; (2) the change is made, tagged, and only on
 * top of that revision; (3) the outcome is recorded and the intent cleared. A restarted runner that
 * finds an intent looks at the endpoint: still at the revision → the change did not land, make it;
 * one revision further with the tag → it landed, record it; anything else → someone else changed
 * the endpoint, and a person always wins: the release stops and leaves the endpoint as it is.
 */
export class ReleaseRunner {
  constructor(private readonly d: ReleaseRunnerDeps) {}

  /** Records a release of `challenger` on the endpoint; its first step is deployed by the next tick. */
  async start(input: StartReleaseInput): Promise<ReleaseRecord> {
    if (input.plan.steps.length === 0 && !input.plan.requireApproval) {
      throw new InputError('empty-release-plan', `the release plan for ${input.endpoint} has no steps`, { endpoint: input.endpoint }, 'Give it at least one step (shadow, canary, blueGreen).');
    }
    if (!/@\d+$/.test(input.challenger)) {
      throw new InputError('challenger-not-pinned', `the challenger must be a pinned registered version (name@N), got ${input.challenger}`, { challenger: input.challenger });
    }
    const { spec, revision } = await this.d.control.deployments.live(input.endpoint);
    const champion = championVariant(spec);
    const record = await this.d.releases.create({
      endpoint: input.endpoint, pipeline: input.pipeline, challenger: input.challenger, champion: champion.model,
      baseSpec: spec, baseRevision: revision, plan: input.plan, reason: input.reason,
    }, this.d.now());
    await this.notice('release-started', record, input.reason);
    return record;
  }

  /** One step of work on one release; returns it as it is afterwards, with the decision read (if any). */
  async tick(r0: ReleaseRecord): Promise<{ release: ReleaseRecord; decision: ReleaseDecision | null }> {
    let r = r0;
    if (isFinal(r.status)) return { release: r, decision: null };
    if (r.intent !== null) r = await this.resolveIntent(r, r.intent);
    if (isFinal(r.status)) return { release: r, decision: null };
    const live = await this.d.control.deployments.store.current(r.endpoint);
    if (live?.revision !== r.revision) return { release: await this.yieldToPerson(r, live), decision: null };
    if (r.step < 0) return { release: await this.moveToStep(r, 0, `start: ${describeStep(r.plan.steps[0])}`), decision: null };

    const evidence = await gatherEvidence(this.d.monitoring, r, r.plan.guardrails.p99Ms, this.d.now());
    const decision = decideRelease(r, evidence, this.d.stats);
    const a = decision.action;
    switch (a.kind) {
      case 'wait':
        if (r.reason !== a.waitingFor || r.status !== 'running') r = await this.d.releases.update(r.id, r.rev, { reason: a.waitingFor, status: 'running' }, null, this.d.now());
        break;
      case 'await-approval':
        if (r.status !== 'awaiting-approval') {
          r = await this.d.releases.update(r.id, r.rev, { status: 'awaiting-approval', reason: a.waitingFor }, { at: this.d.now(), what: `waiting: ${a.waitingFor}` }, this.d.now());
          await this.notice('awaiting-approval', r, a.waitingFor);
        }
        break;
      case 'advance':
        r = await this.moveToStep(r, r.step + 1, a.reason);
        break;
      case 'promote':
        r = await this.change(r, { action: 'promote', toStep: r.step, fromRevision: r.revision, tag: tagOf(r, 'promote'), reason: a.reason });
        break;
      case 'rollback':
        r = await this.change(r, { action: 'rollback', toStep: r.step, fromRevision: r.revision, tag: tagOf(r, 'rollback'), reason: a.reason });
        break;
    }
    return { release: r, decision };
  }

  /** What the release's evidence says now, without acting on it (`lading experiment show`). */
  async inspect(r: ReleaseRecord): Promise<{ evidence: ReleaseEvidence; decision: ReleaseDecision } | null> {
    if (isFinal(r.status) || r.step < 0) return null;
    const evidence = await gatherEvidence(this.d.monitoring, r, r.plan.guardrails.p99Ms, this.d.now());
    return { evidence, decision: decideRelease(r, evidence, this.d.stats) };
  }

  /** A person ends the release: the spec it started from is restored (unless someone changed the endpoint since), audited as `actor`. */
  async stop(endpoint: string, actor: string, reason: string): Promise<ReleaseRecord> {
    const r = await this.d.releases.active(endpoint);
    if (!r) throw new NotFoundError('no-release', `endpoint ${endpoint} has no release in progress`, { endpoint }, 'See `lading experiment show` for past ones.');
    if (r.intent !== null) {
      throw new ConflictError('release-mid-change', `release ${r.id} on ${endpoint} is in the middle of a change (${r.intent.action}); nothing was changed`, { endpoint, release: r.id }, 'Try again in a second.');
    }
    const live = await this.d.control.deployments.store.current(endpoint);
    let revision = r.revision;
    if (live?.revision === r.revision && r.step >= 0) {
      const rec = await this.d.control.deployments.apply(r.baseSpec, 'rollback', actor, `${reason} [release ${r.id} stopped]`, r.revision);
      revision = rec.revision;
    }
    const done = await this.d.releases.update(r.id, r.rev, { status: 'stopped', reason: `stopped by ${actor}: ${reason}`, revision },
      { at: this.d.now(), what: `stopped by ${actor}: ${reason}`, revision }, this.d.now());
    await this.notice('stopped', done, done.reason);
    return done;
  }

  async approve(endpoint: string, actor: string): Promise<ReleaseRecord> {
    const r = await this.d.releases.active(endpoint);
    if (!r) throw new NotFoundError('no-release', `endpoint ${endpoint} has no release in progress`, { endpoint });
    return this.d.releases.update(r.id, r.rev, { approvedBy: actor }, { at: this.d.now(), what: `approved by ${actor}` }, this.d.now());
  }

  private async moveToStep(r: ReleaseRecord, to: number, reason: string): Promise<ReleaseRecord> {
    const step = r.plan.steps[to];
    if (step === undefined || step.kind === 'approval') {
      // Nothing to deploy: the previous step's deployment holds while a person decides.
      const now = this.d.now();
      const next = await this.d.releases.update(r.id, r.rev, { step: to, stepSince: now, ...(r.step < 0 ? { since: now } : {}), reason },
        { at: now, what: `step ${to + 1}: ${describeStep(step)} (${reason})` }, now);
      await this.notice('step-started', next, reason);
      return next;
    }
    return this.change(r, { action: 'step', toStep: to, fromRevision: r.revision, tag: tagOf(r, `step ${to + 1}`), reason });
  }

  /** The intent protocol: write it, make the change, record the outcome. */
  private async change(r0: ReleaseRecord, intent: ReleaseIntent): Promise<ReleaseRecord> {
    const r = await this.d.releases.update(r0.id, r0.rev, { intent }, null, this.d.now());
    await this.d.beforeChange?.(intent);
    return this.resolveIntent(r, intent);
  }

  private async resolveIntent(r: ReleaseRecord, intent: ReleaseIntent): Promise<ReleaseRecord> {
    const history = await this.d.control.deployments.store.history(r.endpoint);
    const latest = history.at(-1);
    const landed = history.find((h) => h.revision === intent.fromRevision + 1);
    let record: DeploymentRecord;
    if (latest?.revision === intent.fromRevision) {
      record = await this.perform(r, intent);
    } else if (landed !== undefined && landed.reason?.includes(intent.tag) && latest === landed) {
      record = landed;
    } else {
      if (intent.action === 'promote') {
        // Killed between the alias move and the deployment half, then a person changed the
        // endpoint: the person wins, and the alias goes back to where it was, so nothing that
        // follows the alias serves the challenger behind the person's back.
        const [model, version] = r.challenger.split('@');
        await this.d.control.undoAliasMove({ model: model!, alias: DEFAULT_ALIAS, version: Number(version), tag: intent.tag, actor: this.d.actor,
          reason: `undo ${intent.tag}: the deployment was changed by someone else before the promotion completed` });
      }
      const cleared = await this.d.releases.update(r.id, r.rev, { intent: null }, null, this.d.now());
      return this.yieldToPerson(cleared, latest);
    }
    return this.recordOutcome(r, intent, record);
  }

  private async perform(r: ReleaseRecord, intent: ReleaseIntent): Promise<DeploymentRecord> {
    const reason = `${intent.reason} ${intent.tag}`;
    if (intent.action === 'promote') {
      // The promoted model serves under the champion variant's name, so dashboards and sticky keys carry on.
      const done = await this.d.control.release({ endpoint: r.endpoint, variant: challengerVariantName(r.baseSpec), actor: this.d.actor, reason, fromRevision: intent.fromRevision,
        renameTo: championVariant(r.baseSpec).name });
      return done.deployment;
    }
    if (intent.action === 'rollback') return this.d.control.deployments.apply(r.baseSpec, 'rollback', this.d.actor, reason, intent.fromRevision);
    const step = r.plan.steps[intent.toStep];
    const action: DeploymentAction = step?.kind === 'canary' ? 'canary' : step?.kind === 'blue-green' ? 'switch' : 'deploy';
    return this.d.control.deployments.apply(stepDeployment(r.baseSpec, r.challenger, r.plan.steps, intent.toStep), action, this.d.actor, reason, intent.fromRevision);
  }

  private async recordOutcome(r: ReleaseRecord, intent: ReleaseIntent, rec: DeploymentRecord): Promise<ReleaseRecord> {
    const now = this.d.now();
    const base: ReleaseUpdate = { intent: null, revision: rec.revision };
    if (intent.action === 'step') {
      const what = `step ${intent.toStep + 1}: ${describeStep(r.plan.steps[intent.toStep])} (${intent.reason})`;
      const next = await this.d.releases.update(r.id, r.rev, { ...base, step: intent.toStep, stepSince: now, ...(r.step < 0 ? { since: now } : {}), reason: intent.reason, status: 'running' },
        { at: now, what, revision: rec.revision }, now);
      await this.notice('step-started', next, intent.reason, rec.revision);
      return next;
    }
    const status = intent.action === 'promote' ? 'promoted' : 'rolled-back';
    const what = intent.action === 'promote' ? `promoted ${r.challenger}: ${intent.reason}` : `rolled back to ${r.champion}: ${intent.reason}`;
    const next = await this.d.releases.update(r.id, r.rev, { ...base, status, reason: intent.reason }, { at: now, what, revision: rec.revision }, now);
    await this.notice(status, next, intent.reason, rec.revision);
    return next;
  }

  /** Someone else changed the endpoint: the release stops and changes nothing more. */
  private async yieldToPerson(r: ReleaseRecord, live: DeploymentRecord | undefined): Promise<ReleaseRecord> {
    const who = live === undefined ? 'the endpoint was removed'
      : `revision ${live.revision} (${live.action} by ${live.actor}${live.reason ? `: ${live.reason}` : ''})`;
    const reason = `the deployment was changed outside this release, ${who}; the release stops and leaves the endpoint as it is`;
    const next = await this.d.releases.update(r.id, r.rev, { status: 'stopped', reason, ...(live ? { revision: live.revision } : {}) }, { at: this.d.now(), what: reason, revision: live?.revision }, this.d.now());
    await this.notice('stopped', next, reason, live?.revision);
    return next;
  }

  private async notice(type: ReleaseNotice['type'], r: ReleaseRecord, reason: string, revision?: number): Promise<void> {
    await this.d.notify?.({ type, release: r.id, endpoint: r.endpoint, challenger: r.challenger, champion: r.champion, reason, revision, record: r });
  }
}

/** The tag a change carries in its deployment revision's reason, so a restart can recognise it. */
function tagOf(r: ReleaseRecord, what: string): string {
  return `[release ${r.id} ${what}]`;
}
