import type { AlertStore, FeedbackStore } from '../../monitoring/store/monitoring-store.js';
import type { PipelineSpec } from './pipeline-spec.js';
import type { PipelineState } from './pipeline-store.js';
import type { TriggerFacts } from './triggers.js';

/**
 * Reads what dueTrigger needs from the monitoring store: the endpoint's feedback after the
 * watermark, and whether one of its drift alerts fired after the last run started. `driftRules`
 * names the alert rules that watch drift (their metric is a drift_* one): alert events carry the
 * rule's name, not its metric.
 */
export async function readTriggerFacts(spec: PipelineSpec, state: Pick<PipelineState, 'lastRun' | 'since'>, monitoring: Pick<FeedbackStore, 'listFeedback'> & Pick<AlertStore, 'listAlertEvents'>, driftRules: ReadonlySet<string>): Promise<TriggerFacts> {
  const after = state.lastRun?.feedbackId ?? 0;
  const since = state.lastRun?.time ?? state.since;
  const feedback = spec.triggers.newLabels === undefined ? [] : await monitoring.listFeedback({ endpoint: spec.endpoint });
  const alerts = spec.triggers.drift ? await monitoring.listAlertEvents({ endpoint: spec.endpoint, since }) : [];
  return {
    newLabelsSinceLastRun: feedback.filter((f) => f.id > after).length,
    driftAlertFiredSince: alerts.some((a) => a.state === 'fired' && a.at >= since && driftRules.has(a.rule)),
  };
}
