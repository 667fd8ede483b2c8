import { DECISION_SECTIONS, fitDecisionPolicy, type DecisionEvidence, type DecisionEvidenceMeta } from '../core/decision-policy.js';
import type { SectionArray } from '../core/artifact-format.js';
import { STORED_TARGETS } from './stored-thresholds.js';

export interface StoredDecisionEvidence {
  readonly meta: DecisionEvidenceMeta;
  readonly evidence: DecisionEvidence;
  /** The artifact payload sections holding the rows (names in DECISION_SECTIONS). */
  readonly sections: ReadonlyArray<readonly [string, SectionArray]>;
}

/**
 * The validation rows the decide-or-route thresholds are fitted from (core/decision-policy.ts),
 * kept whole in the artifact so serving, `eval` and `models show` can fit them for any target:
 * per row the top-1 class and its calibrated confidence (as served), whether it was right, and
 * its class-frequency weight. 13 bytes a row: a few tens of kilobytes for the benchmark's models.
 * `proba`: the validation rows × classes after calibration (fitConfidence's), of the validated fit.
 */
export function decisionEvidence(proba: Float32Array, validY: Int32Array, classes: number, weights: Float64Array | undefined): StoredDecisionEvidence {
  const n = validY.length;
  const predicted = new Int32Array(n);
  const confidence = new Float32Array(n);
  const correct = new Uint8Array(n);
  const weight = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let top = 0;
    for (let c = 1; c < classes; c++) if (proba[r * classes + c]! > proba[r * classes + top]!) top = c;
    predicted[r] = top;
    confidence[r] = proba[r * classes + top]!;
    correct[r] = top === validY[r] ? 1 : 0;
    weight[r] = weights ? weights[r]! : 1;
  }
  return {
    meta: { fittedOn: 'validation', rows: n, weighting: weights ? 'class-frequency' : 'none', method: 'per-class-wilson' },
    evidence: { predicted, confidence, correct, weight },
    sections: [[DECISION_SECTIONS.predicted, predicted], [DECISION_SECTIONS.confidence, confidence], [DECISION_SECTIONS.correct, correct], [DECISION_SECTIONS.weight, weight]],
  };
}

/** Headline figures for the registry: the expected automation rate of the decision policy at 95/98/99%. */
export function decisionMetrics(evidence: DecisionEvidence, classes: number): Record<string, number> {
  const m: Record<string, number> = {};
  for (const target of STORED_TARGETS) m[`decisionAutomation${Math.round(target * 100)}`] = fitDecisionPolicy(evidence, classes, target).expectedCoverage;
  return m;
}
