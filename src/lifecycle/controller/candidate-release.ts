import type { AlertStore, FeedbackStore } from '../../monitoring/store/monitoring-store.js';
import type { Workspace } from '../../registry/workspace.js';
import { runGates } from '../gates/run-gates.js';
import type { GateReport } from '../gates/gate-report.js';
import { resolveDatasetRef } from '../pipeline/dataset-ref.js';
import type { PipelineSpec } from '../pipeline/pipeline-spec.js';
import type { PipelineRun } from '../pipeline/pipeline-store.js';
import type { Candidate, CandidateJudge, PipelineRunResult } from '../pipeline/run-pipeline.js';
import { championVariant } from '../release/release-plan.js';
import type { ReleaseRecord, ReleaseStore } from '../release/release-record.js';
import type { ReleaseRunner } from '../release/release-runner.js';

export interface CandidateReleaseDeps {
  readonly workspace: Workspace;
  readonly monitoring: AlertStore & Pick<FeedbackStore, 'listFeedback'>;
  readonly releases: ReleaseStore;
  readonly runner: ReleaseRunner;
  readonly actor: string;
  readonly now: () => number;
  /** Each gate report, passed or not (the controller prints it and publishes it). */
  readonly onGates?: (spec: PipelineSpec, run: PipelineRun, report: GateReport) => void;
}

/**
 * The quality gates as a pipeline run's judge: the candidate against the version the endpoint
 * serves now, on the pinned golden set, before any traffic. A failure raises a `quality-gate`
 * alert on the endpoint (in the alert history the monitor and dashboard read) naming every reason.
 * Feedback is not used as gate texts yet: the pipeline trains on all accepted feedback, and a
 * candidate graded on its own training labels would pass too easily.
 */
export function gatesJudge(d: CandidateReleaseDeps, spec: PipelineSpec): CandidateJudge {
  return async (candidate: Candidate, run: PipelineRun) => {
    const candidateRecord = await d.workspace.getModelVersion(candidate.model, candidate.version);
    const champion = await currentChampion(d.workspace, spec.endpoint, d.releases);
    const golden = spec.gates.golden === undefined ? undefined : (await resolveDatasetRef(d.workspace, spec.gates.golden)).id;
    const report = await runGates({
      candidate: candidateRecord, champion, registry: d.workspace,
      policy: { ...spec.gates, golden, feedbackDays: 0 },
    });
    d.onGates?.(spec, run, report);
    if (report.passed) return { passed: true };
    const at = d.now();
    await d.monitoring.recordAlertEvent({
      id: `quality-gate:${spec.name}:${run.id}`, state: 'fired', rule: 'quality-gate', endpoint: spec.endpoint, variant: null, at,
      value: report.reasons.length, threshold: 0,
      message: `pipeline ${spec.name} ${run.id}: candidate ${candidate.ref} failed the quality gates: ${report.reasons.join('; ')}`,
    });
    return { passed: false, reasons: report.reasons };
  };
}

/**
 * After a run whose candidate passed the gates: the candidate is approved (by the controller, the
 * reason naming the run) and a release of it is recorded with the pipeline's plan; the controller
 * deploys its first step on its next tick. Nothing happens when the candidate is what the endpoint
 * already serves, or when the endpoint already has a release in progress.
 */
export async function releaseCandidate(d: CandidateReleaseDeps, spec: PipelineSpec, result: PipelineRunResult): Promise<ReleaseRecord | null> {
  if (result.run.status !== 'succeeded') return null;
  const c = result.candidate;
  const champion = await currentChampion(d.workspace, spec.endpoint);
  if (champion !== null && champion.model === c.model && champion.version === c.version) return null;
  if (await d.releases.active(spec.endpoint)) return null;
  const version = await d.workspace.getModelVersion(c.model, c.version);
  // A person's rejection stands: the controller never overrules it.
  if (version.approval.status === 'rejected') return null;
  if (version.approval.status === 'pending') {
    await d.workspace.approveVersion({ name: c.model, version: c.version, actor: d.actor, reason: `passed the quality gates of pipeline ${spec.name} ${result.run.id}` });
  }
  return d.runner.start({
    endpoint: spec.endpoint, challenger: c.ref, pipeline: spec.name, plan: spec.release,
    reason: `pipeline ${spec.name} ${result.run.id} (${result.run.trigger}): ${c.ref} (${c.kind}) passed the quality gates`,
  });
}

/** The registered version the endpoint's champion variant serves, or null (no deployment, a file, a first release). */
export async function currentChampion(ws: Workspace, endpoint: string, releases?: Pick<ReleaseStore, 'active'>) {
  // During a release the live spec mixes champion and challenger: the release knows which is which.
  const active = await releases?.active(endpoint);
  let ref = active?.champion;
  if (ref === undefined) {
    const live = await ws.deployments.current(endpoint);
    if (!live?.spec) return null;
    try {
      ref = championVariant(live.spec).model;
    } catch {
      return null;
    }
  }
  try {
    return await ws.resolveModel(ref);
  } catch {
    return null;
  }
}
