import type { MonitoringStore } from '../../monitoring/store/monitoring-store.js';
import type { PipelineSpec } from '../pipeline/pipeline-spec.js';
import type { PipelineStore, RunTrigger } from '../pipeline/pipeline-store.js';
import type { ReleaseRecord } from '../release/release-record.js';
import type { PipelineRunOptions, PipelineRunResult } from '../pipeline/run-pipeline.js';
import { currentOwner, ownerGone } from '../pipeline/run-owner.js';
import { readTriggerFacts } from '../pipeline/trigger-facts.js';
import { dueTrigger } from '../pipeline/triggers.js';
import type { CandidateReleaseDeps } from './candidate-release.js';
import { runGatedPipeline, type GatedRunResult } from './gated-run.js';
import type { ControllerChore } from './lifecycle-controller.js';

export interface PipelineChoreDeps extends CandidateReleaseDeps {
  readonly monitoring: MonitoringStore;
  readonly pipelines: readonly PipelineSpec[];
  readonly store: PipelineStore;
  readonly threads: number;
  /** Names of the alert rules that watch drift (alert events carry the rule's name, not its metric). */
  readonly driftRules: ReadonlySet<string>;
  readonly afterRegister?: PipelineRunOptions['afterRegister'];
  readonly onRun?: (spec: PipelineSpec, trigger: RunTrigger, outcome: PipelineRunResult | Error) => void;
  readonly signal?: AbortSignal;
}

/**
 * The controller's pipeline work, each tick: for every pipeline (in lading.yaml's order) whose
 * trigger is due (cron, drift alert, enough new labels) and whose endpoint has no release in
 * progress, one run: data, training, the quality gates, and, for a candidate that passed, a
 * release with the pipeline's plan. One run at a time, started without blocking the tick, so
 * releases keep moving (and the lease keeps being renewed) while a model trains.
 */
export interface PipelineChore {
  readonly chore: ControllerChore;
  /** The run under way, if any. */
  inFlight(): Promise<void> | undefined;
  /**
   * Runs a pipeline now (a person's `manual` trigger, or the demo's), through the same gates and
   * release as a triggered run, after the run under way (if any) ends.
   */
  runNow(spec: PipelineSpec, trigger?: RunTrigger): Promise<PipelineRunOutcome>;
}

export interface PipelineRunOutcome {
  readonly result: GatedRunResult | Error;
  readonly release: ReleaseRecord | null;
}

export function pipelineChore(d: PipelineChoreDeps): PipelineChore {
  let running: Promise<unknown> | undefined;
  const start = (spec: PipelineSpec, trigger: RunTrigger): Promise<PipelineRunOutcome> => {
    const run = runAndRelease(d, spec, trigger);
    const tracked: Promise<unknown> = run.finally(() => { if (running === tracked) running = undefined; });
    running = tracked;
    return run;
  };
  return {
    inFlight: () => running?.then(() => undefined),
    async chore(now: number) {
      if (running !== undefined || d.pipelines.length === 0) return;
      const owner = currentOwner();
      await d.store.reapRuns((r) => ownerGone(r, now, owner), now);
      for (const spec of d.pipelines) {
        if (await d.releases.active(spec.endpoint)) continue;
        const state = await d.store.state(spec.name, now);
        const trigger = dueTrigger(spec, state, now, await readTriggerFacts(spec, state, d.monitoring, d.driftRules));
        if (trigger === null) continue;
        void start(spec, trigger);
        return;
      }
    },
    async runNow(spec, trigger = 'manual') {
      while (running !== undefined) await running.catch(() => undefined);
      return start(spec, trigger);
    },
  };
}

/** The controller's run: the same path as a run by hand (gated-run.ts), without a lease: the controller's next tick deploys the release's first step. */
async function runAndRelease(d: PipelineChoreDeps, spec: PipelineSpec, trigger: RunTrigger): Promise<PipelineRunOutcome> {
  try {
    const result = await runGatedPipeline(d, spec, { trigger, onRunEnd: (r) => d.onRun?.(spec, trigger, r) });
    return { result, release: result.release.record };
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    d.onRun?.(spec, trigger, error);
    return { result: error, release: null };
  }
}
