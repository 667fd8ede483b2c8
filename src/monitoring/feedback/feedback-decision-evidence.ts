import type { DecisionEvidence } from '../../core/decision-policy.js';
import type { FeedbackRecord } from '../store/monitoring-store.js';

/**
 * Delayed labels of one model's answers as decide-or-route rows (core/decision-policy.ts): per
 * labelled prediction, the class and confidence it answered and whether the label agreed. The
 * newest label of a prediction wins (a ruling supersedes a correction). Rows weigh 1: they are
 * production's own class mix. A decision depends only on (class, confidence), so which answers
 * got reviewed (mostly the "review" ones) does not bias P(right | class, confidence), which is what
 * the policy estimates. undefined when no label joins an answer of this model.
 */
export function feedbackDecisionEvidence(feedback: readonly FeedbackRecord[], model: { readonly sha256: string; readonly labels: readonly string[] }): DecisionEvidence | undefined {
  const classOf = new Map(model.labels.map((l, i) => [l, i]));
  const newest = new Map<number, FeedbackRecord>();
  for (const f of feedback) {
    const p = f.prediction;
    if (p === null || p.modelSha256 !== model.sha256 || !classOf.has(p.label)) continue;
    const known = newest.get(p.seq);
    if (known === undefined || f.time >= known.time) newest.set(p.seq, f);
  }
  if (newest.size === 0) return undefined;
  const rows = [...newest.values()];
  return {
    predicted: Int32Array.from(rows, (f) => classOf.get(f.prediction!.label)!),
    confidence: Float32Array.from(rows, (f) => f.prediction!.score),
    correct: Uint8Array.from(rows, (f) => (f.label === f.prediction!.label ? 1 : 0)),
    weight: new Float32Array(rows.length).fill(1),
  };
}
