import type { MonitoringStore } from '../../monitoring/store/monitoring-store.js';
import type { PipelineSpec } from '../pipeline/pipeline-spec.js';
import type { PipelineStore } from '../pipeline/pipeline-store.js';
import { runPipeline, type PipelineRunOptions, type PipelineRunResult } from '../pipeline/run-pipeline.js';
import { currentOwner, ownerGone } from '../pipeline/run-owner.js';
import { readTriggerFacts } from '../pipeline/trigger-facts.js';
import { dueTrigger, type FiredTrigger } from '../pipeline/triggers.js';
import { gatesJudge, releaseCandidate, type CandidateReleaseDeps } from './candidate-release.js';
import type { ControllerChore } from './lifecycle-controller.js';

export interface PipelineChoreDeps extends CandidateReleaseDeps {
  readonly monitoring: MonitoringStore;
  readonly pipelines: readonly PipelineSpec[];
  readonly store: PipelineStore;
  readonly threads: number;
  /** Names of the alert rules that watch drift (alert events carry the rule's name, not its metric). */
  readonly driftRules: ReadonlySet<string>;
  readonly afterRegister?: PipelineRunOptions['afterRegister'];
  readonly onRun?: (spec: PipelineSpec, trigger: FiredTrigger, outcome: PipelineRunResult | Error) => void;
  readonly signal?: AbortSignal;
}

/**
 * The controller's pipeline work, each tick: for every pipeline (in lading.yaml's order) whose
 * trigger is due (cron, drift alert, enough new labels) and whose endpoint has no release in
 * progress, one run: data, training, the quality gates, and, for a candidate that passed, a
 * release with the pipeline's plan. One run at a time, started without blocking the tick, so
 * releases keep moving (and the lease keeps being renewed) while a model trains.
 */
export function pipelineChore(d: PipelineChoreDeps): ControllerChore & { readonly inFlight: () => Promise<void> | undefined } {
  let running: Promise<void> | undefined;
  const chore = async (now: number) => {
    if (running !== undefined || d.pipelines.length === 0) return;
    const owner = currentOwner();
    await d.store.reapRuns((r) => ownerGone(r, now, owner), now);
    for (const spec of d.pipelines) {
      if (await d.releases.active(spec.endpoint)) continue;
      const state = await d.store.state(spec.name, now);
      const trigger = dueTrigger(spec, state, now, await readTriggerFacts(spec, state, d.monitoring, d.driftRules));
      if (trigger === null) continue;
      running = runAndRelease(d, spec, trigger).finally(() => { running = undefined; });
      return;
    }
  };
  return Object.assign(chore, { inFlight: () => running });
}

async function runAndRelease(d: PipelineChoreDeps, spec: PipelineSpec, trigger: FiredTrigger): Promise<void> {
  try {
    const result = await runPipeline(spec, { datasets: d.workspace, models: d.workspace, store: d.store, feedback: d.monitoring, threads: d.threads, clock: d.now }, {
      trigger, actor: d.actor, judge: gatesJudge(d, spec), ...(d.afterRegister ? { afterRegister: d.afterRegister } : {}), ...(d.signal ? { signal: d.signal } : {}),
    });
    d.onRun?.(spec, trigger, result);
    await releaseCandidate(d, spec, result);
  } catch (e) {
    d.onRun?.(spec, trigger, e instanceof Error ? e : new Error(String(e)));
  }
}
