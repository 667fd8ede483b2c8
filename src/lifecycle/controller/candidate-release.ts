import { ForbiddenError } from '../../core/errors.js';
import type { AlertStore, FeedbackStore } from '../../monitoring/store/monitoring-store.js';
import type { Workspace } from '../../registry/workspace.js';
import { runGates } from '../gates/run-gates.js';
import type { GateReport } from '../gates/gate-report.js';
import { resolveDatasetRef } from '../pipeline/dataset-ref.js';
import type { PipelineSpec } from '../pipeline/pipeline-spec.js';
import type { PipelineRun } from '../pipeline/pipeline-store.js';
import type { HoldoutData } from '../pipeline/assemble-run-data.js';
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
 * serves now, before any traffic, on the pinned golden set and on the newest feedback the run held
 * out of training (when the pipeline takes feedback and `gates.feedbackHoldout` > 0; a run that
 * could hold nothing out gives an empty holdout, whose checks say "skipped: only 0 rows"). A
 * failure raises a `quality-gate` alert on the endpoint (in the alert history the monitor and
 * dashboard read) naming every reason.
 */
export function gatesJudge(d: CandidateReleaseDeps, spec: PipelineSpec): CandidateJudge {
  return async (candidate: Candidate, run: PipelineRun, holdout: HoldoutData | null) => {
    const candidateRecord = await d.workspace.getModelVersion(candidate.model, candidate.version);
    const champion = await currentChampion(d.workspace, spec.endpoint, d.releases);
    const golden = spec.gates.golden === undefined ? undefined : (await resolveDatasetRef(d.workspace, spec.gates.golden)).id;
    const gatesOnFeedback = spec.data.feedback && spec.gates.feedbackHoldout > 0;
    const held = holdout === null ? { texts: [], labels: [] }
      : { texts: holdout.rows.texts, labels: holdout.rows.labels[holdout.rows.labelColumns[0]!]!, datasetId: holdout.dataset.id, lineage: holdout.lineage };
    const report = await runGates({
      candidate: candidateRecord, champion, registry: d.workspace,
      policy: { ...spec.gates, golden }, ...(gatesOnFeedback ? { holdout: held } : {}),
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

/** A release recorded for a candidate, or why none was (for people: "not released: ..."). */
export type CandidateReleased = { readonly release: ReleaseRecord; readonly why: string } | { readonly release: null; readonly why: string };

/**
 * After a run whose candidate passed the gates: the candidate is approved (by the actor, the
 * reason naming the run) and a release of it is recorded with the pipeline's plan; the controller
 * deploys its first step on its next tick (a run by hand may deploy it at once: gated-run.ts).
 * Nothing happens, and `why` says so, when the run did not pass, the candidate is what the
 * endpoint already serves, the endpoint serves nothing yet or already has a release in progress,
 * or a person rejected the candidate.
 */
export async function releaseCandidate(d: CandidateReleaseDeps, spec: PipelineSpec, result: PipelineRunResult): Promise<CandidateReleased> {
  const none = (why: string): CandidateReleased => ({ release: null, why: `not released: ${why}` });
  if (result.run.status !== 'succeeded') return none(`the run ended ${result.run.status}`);
  const c = result.candidate;
  const live = await d.workspace.deployments.current(spec.endpoint);
  if (!live?.spec) return none(`endpoint ${spec.endpoint} has no deployment to release against; deploy a first version with \`lading deploy\``);
  const champion = await currentChampion(d.workspace, spec.endpoint);
  if (champion !== null && champion.model === c.model && champion.version === c.version) return none(`endpoint ${spec.endpoint} already serves ${c.ref}`);
  const active = await d.releases.active(spec.endpoint);
  if (active) return none(`endpoint ${spec.endpoint} has release ${active.id} in progress (${active.challenger} against ${active.champion})`);
  const version = await d.workspace.getModelVersion(c.model, c.version);
  // A person's rejection stands: the controller never overrules it.
  if (version.approval.status === 'rejected') return none(`${c.ref} was rejected by ${version.approval.by ?? 'a person'}`);
  if (version.approval.status === 'pending') {
    try {
      await d.workspace.approveVersion({ name: c.model, version: c.version, actor: d.actor, reason: `passed the quality gates of pipeline ${spec.name} ${result.run.id}` });
    } catch (e) {
      // Four eyes (the project's fourEyes): who registered it may not approve it, the pipeline included.
      if (e instanceof ForbiddenError && e.code === 'four-eyes') {
        return none(`${c.ref} passed its gates and waits for a second person's approval (four eyes): \`lading models approve ${c.model} ${c.version}\`, then \`lading experiment start ${spec.endpoint} --challenger ${c.ref}\``);
      }
      throw e;
    }
  }
  const release = await d.runner.start({
    endpoint: spec.endpoint, challenger: c.ref, pipeline: spec.name, plan: spec.release,
    reason: `pipeline ${spec.name} ${result.run.id} (${result.run.trigger}): ${c.ref} (${c.kind}) passed the quality gates`,
  });
  return { release, why: `release ${release.id} of ${c.ref} against ${release.champion} on ${spec.endpoint} recorded` };
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
