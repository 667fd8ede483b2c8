import { nextCronTime } from './cron-schedule.js';
import type { PipelineSpec } from './pipeline-spec.js';
import type { PipelineState } from './pipeline-store.js';

export type FiredTrigger = 'cron' | 'drift' | 'new-labels';

/** What the caller looked up for the triggers (the monitoring store knows both). */
export interface TriggerFacts {
  /** Accepted feedback of the pipeline's endpoint after the watermark (feedback id > lastRun.feedbackId). */
  readonly newLabelsSinceLastRun: number;
  /** A drift alert of the endpoint fired after the last run started (or, before any run, since the pipeline was first seen). */
  readonly driftAlertFiredSince?: boolean | undefined;
}

/**
 * The trigger that starts a run now, or null. Pure: the state and facts are read by the caller.
 * A paused pipeline, or one with a run in progress, is never due. When several are due the most
 * specific reason is named: drift, then new labels, then the schedule.
 *
 * Cron: due when the schedule has a time after the last run's start (before any run: after the
 * pipeline was first seen) that is not later than now. A run missed while nothing was watching
 * happens once, not once per missed time.
 */
export function dueTrigger(spec: PipelineSpec, state: Pick<PipelineState, 'paused' | 'activeRunId' | 'lastRun' | 'since'>, now: number, facts: TriggerFacts): FiredTrigger | null {
  if (state.paused || state.activeRunId !== null) return null;
  const { triggers } = spec;
  if (triggers.drift && facts.driftAlertFiredSince === true) return 'drift';
  if (triggers.newLabels !== undefined && facts.newLabelsSinceLastRun >= triggers.newLabels) return 'new-labels';
  if (triggers.cron !== undefined) {
    const next = nextCronTime(triggers.cron, state.lastRun?.time ?? state.since);
    if (next !== null && next <= now) return 'cron';
  }
  return null;
}

/** When the schedule next fires after the last run (for `lading pipeline show`); null without a cron trigger. */
export function nextScheduledRun(spec: PipelineSpec, state: Pick<PipelineState, 'lastRun' | 'since'>): number | null {
  return spec.triggers.cron === undefined ? null : nextCronTime(spec.triggers.cron, state.lastRun?.time ?? state.since);
}
