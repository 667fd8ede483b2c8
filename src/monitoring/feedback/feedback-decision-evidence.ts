import type { DecisionEvidence } from '../../core/decision-policy.js';
import type { FeedbackRecord } from '../store/monitoring-store.js';

/**
 * Delayed labels of one model's answers as decide-or-route rows (core/decision-policy.ts): per
 * labelled prediction, the class and confidence it answered and whether the label agreed. The
 * newest label of a prediction wins (a ruling supersedes a correction). Rows weigh 1: they are
 * production's own class mix. A decision depends only on (class, confidence), so which answers
 * got reviewed (mostly the "review" ones) does not bias P(right | class, confidence), which is what
 * the policy estimates. undefined when no label joins an answer of this model.
 *
 * A prediction's label is the code the caller was answered. Under a taxonomy with a transition
 * table that is not always one of the model's labels (040310 answered as 040320): `answeredClasses`
 * then says which model class each answered code came from (the serving endpoint's mapping), and
 * the row is that class, right when the label is the answered code. Codes it does not name (merged,
 * split) are left out. The confidence is the model's top score, which for an answer that came from
 * a lower class than the top one (the top class had no valid code) overstates it a little.
 */
export function feedbackDecisionEvidence(feedback: readonly FeedbackRecord[], model: { readonly sha256: string; readonly labels: readonly string[] },
  answeredClasses?: ReadonlyMap<string, number>): DecisionEvidence | undefined {
  const classOf = answeredClasses ?? new Map(model.labels.map((l, i) => [l, i]));
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
