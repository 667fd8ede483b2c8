import { ConflictError } from '../../core/errors.js';
import type { GateReport } from '../gates/gate-report.js';
import type { PipelineSpec } from '../pipeline/pipeline-spec.js';
import type { PipelineStore, RunTrigger } from '../pipeline/pipeline-store.js';
import { runPipeline, type PipelineRunOptions, type PipelineRunResult } from '../pipeline/run-pipeline.js';
import type { ControllerLease } from '../release/controller-lease.js';
import { describeStep } from '../release/release-plan.js';
import type { ReleaseRecord } from '../release/release-record.js';
import { gatesJudge, releaseCandidate, type CandidateReleaseDeps } from './candidate-release.js';

export interface GatedRunDeps extends CandidateReleaseDeps {
  readonly store: PipelineStore;
  readonly threads: number;
  readonly afterRegister?: PipelineRunOptions['afterRegister'];
  readonly signal?: AbortSignal;
}

export interface GatedRunOptions extends Pick<PipelineRunOptions, 'seed' | 'onProgress' | 'onStep'> {
  readonly trigger: RunTrigger;
  /** false: stop after the gates, record no release (`lading pipeline run --no-release`). Default true. */
  readonly release?: boolean;
  /**
   * The controller lease, for a run outside the controller (by hand). When nobody holds it, the
   * release's first step is deployed at once under it and it is given up again; when a controller
   * holds it, that controller deploys the step on its next tick (only the lease holder changes a
   * deployment under a release). The controller passes none: its own next tick deploys the step.
   */
  readonly lease?: ControllerLease;
  /** After the run ended and before its release is recorded (the controller publishes the run's end here). */
  readonly onRunEnd?: (result: PipelineRunResult) => void;
}

/** What became of the candidate after its gates. */
export interface ReleaseOutcome {
  /** The release recorded for it (after its first step when that was deployed here); null when none was. */
  readonly record: ReleaseRecord | null;
  /** For people: "not released: ...", or what was released and who moves it on. */
  readonly summary: string;
  readonly firstStepDeployed: boolean;
}

export interface GatedRunResult extends PipelineRunResult {
  /** The quality gates' report; null when the run stopped before them. */
  readonly gates: GateReport | null;
  readonly release: ReleaseOutcome;
}

/**
 * One run of a pipeline through the quality gates and into a release: the one path both the
 * controller (a due trigger, pipeline-chore.ts) and a person (`lading pipeline run`) take, so what
 * gates a candidate and what releases it cannot differ between them. Data (with the newest feedback
 * held out for the gates), training, registration, the gates against the endpoint's champion, then,
 * for a candidate that passed, approval and a release with the pipeline's plan.
 *
 * With release wanted, an endpoint that has a release in progress is refused before anything runs
 * (ConflictError): the candidate could not be released, and a second challenger must not queue
 * behind the first one's statistics.
 */
export async function runGatedPipeline(d: GatedRunDeps, spec: PipelineSpec, options: GatedRunOptions): Promise<GatedRunResult> {
  const wantRelease = options.release ?? true;
  if (wantRelease) {
    const active = await d.releases.active(spec.endpoint);
    if (active) {
      throw new ConflictError('endpoint-releasing', `endpoint ${spec.endpoint} has release ${active.id} in progress (${active.challenger} against ${active.champion}, ${active.status}): a candidate of pipeline ${spec.name} could not be released now, so nothing was run`,
        { endpoint: spec.endpoint, release: active.id, pipeline: spec.name },
        `Wait for it to end (\`lading experiment show ${spec.endpoint}\`), stop it (\`lading experiment stop ${spec.endpoint}\`), or run with --no-release to train and gate only.`);
    }
  }
  let gates: GateReport | null = null;
  const judge = gatesJudge({ ...d, onGates: (s, run, report) => { gates = report; d.onGates?.(s, run, report); } }, spec);
  const result = await runPipeline(spec, { datasets: d.workspace, models: d.workspace, store: d.store, feedback: d.monitoring, threads: d.threads, clock: d.now }, {
    trigger: options.trigger, actor: d.actor, judge, seed: options.seed, onProgress: options.onProgress, onStep: options.onStep,
    ...(d.afterRegister ? { afterRegister: d.afterRegister } : {}), ...(d.signal ? { signal: d.signal } : {}),
  });
  options.onRunEnd?.(result);
  if (!wantRelease) {
    return { ...result, gates, release: { record: null, summary: `not released: asked to stop after the gates (${result.run.status})`, firstStepDeployed: false } };
  }
  const released = await releaseCandidate(d, spec, result);
  if (released.release === null || options.lease === undefined) {
    const next = released.release === null ? '' : '; the controller deploys its first step on its next tick';
    return { ...result, gates, release: { record: released.release, summary: `${released.why}${next}`, firstStepDeployed: false } };
  }
  return { ...result, gates, release: await deployFirstStep(d, options.lease, released.release, released.why) };
}

/** Outside the controller: the first step now if no controller holds the lease, else the controller's. */
async function deployFirstStep(d: GatedRunDeps, lease: ControllerLease, release: ReleaseRecord, why: string): Promise<ReleaseOutcome> {
  const now = d.now();
  if (!(await lease.acquire(now))) {
    const holder = await lease.holder(now);
    return { record: release, firstStepDeployed: false, summary: `${why}; the controller${holder ? ` (${holder})` : ''} holds the lease and deploys its first step on its next tick` };
  }
  try {
    const { release: after } = await d.runner.tick(release);
    const deployed = after.step === 0 && after.revision !== release.revision;
    return {
      record: after, firstStepDeployed: deployed,
      summary: deployed
        ? `${why}; step 1 (${describeStep(after.plan.steps[0])}) deployed at revision ${after.revision}; \`lading controller\` moves it on from here`
        : `${why}; its first step is not deployed yet (${after.status}: ${after.reason}); \`lading controller\` takes it on`,
    };
  } catch (e) {
    return { record: release, firstStepDeployed: false, summary: `${why}; deploying its first step failed (${(e as Error).message}); \`lading controller\` tries again on its next tick` };
  } finally {
    await lease.release();
  }
}
