import { joinEvidence, type DecisionEvidence } from '../core/decision-policy.js';
import { feedbackDecisionEvidence } from '../monitoring/feedback/feedback-decision-evidence.js';
import type { FeedbackStore } from '../monitoring/store/monitoring-store.js';
import type { ServingPlane } from '../serving/serving-plane.js';

/** How often delayed labels are read back into the decide-or-route thresholds: labels come in hours or days, so once a minute is plenty. */
export const DECISION_REFIT_MS = 60_000;
/** The newest labelled answers per endpoint and model used (bounds the read and the fit). */
export const DECISION_REFIT_LABELS = 20_000;

/**
 * One pass: for every endpoint that decides (has a target precision) and every model behind it,
 * reads the labels joined to that model's answers there (pooled over endpoints: a model answers
 * the same wherever it serves) and, when their number changed since the last pass (`seen`, by
 * model sha256), hands them to the plane, which refits the thresholds of the endpoints serving it.
 * Returns the labelled rows per model sha256.
 */
export async function refitDecisionsOnce(plane: ServingPlane, feedback: FeedbackStore, seen: Map<string, number>): Promise<Map<string, number>> {
  const bySha = new Map<string, DecisionEvidence | undefined>();
  for (const endpoint of plane.list()) {
    if (endpoint.targetPrecision === undefined) continue;
    for (const model of endpoint.models()) {
      const records = await feedback.listFeedback({ endpoint: endpoint.name, modelSha256: model.sha256, last: DECISION_REFIT_LABELS });
      bySha.set(model.sha256, joinEvidence(bySha.get(model.sha256), feedbackDecisionEvidence(records, model, endpoint.answeredClasses(model.sha256))));
    }
  }
  const rows = new Map<string, number>();
  for (const [sha, evidence] of bySha) {
    const n = evidence?.predicted.length ?? 0;
    rows.set(sha, n);
    if ((seen.get(sha) ?? 0) === n) continue;
    seen.set(sha, n);
    await plane.setLabelledEvidence(sha, evidence);
  }
  return rows;
}

/** Runs refitDecisionsOnce every DECISION_REFIT_MS (failures are reported, never thrown); returns the stop function. */
export function startDecisionRefit(plane: ServingPlane, feedback: FeedbackStore, warn: (line: string) => void, everyMs = DECISION_REFIT_MS): () => void {
  const seen = new Map<string, number>();
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    refitDecisionsOnce(plane, feedback, seen).catch((e: unknown) => warn(`decide or route: refitting from delayed labels failed: ${(e as Error).message}`))
      .finally(() => { running = false; });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
