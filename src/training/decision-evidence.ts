import { DECISION_SECTIONS, fitDecisionPolicy, type DecisionEvidence, type DecisionEvidenceMeta } from '../core/decision-policy.js';
import type { SectionArray } from '../core/artifact-format.js';
import { STORED_TARGETS } from './stored-thresholds.js';

export interface StoredDecisionEvidence {
  readonly meta: DecisionEvidenceMeta;
  readonly evidence: DecisionEvidence;
  /** The artifact payload sections holding the rows (names in DECISION_SECTIONS). */
  readonly sections: ReadonlyArray<readonly [string, SectionArray]>;
}

/** Scored rows: probabilities (rows × classes, calibrated as served), true class ids, and optional weights. */
export interface ScoredRows {
  readonly proba: Float32Array;
  readonly y: Int32Array;
  readonly weights?: Float64Array | undefined;
}

/**
 * The rows the decide-or-route thresholds are fitted from (core/decision-policy.ts), kept whole in
 * the artifact so serving, `eval` and `models show` can fit them for any target: per row the top-1
 * class and its calibrated confidence (as served), whether it was right, and its weight. 13 bytes
 * a row: a few hundred kilobytes for the benchmark's models.
 * `validation`: the validation rows after calibration, of the validated fit, weighted to the
 * training class mix (class-frequency weights). `crossFit` (when given): the training rows scored
 * out of fold (cross-fit.ts), calibrated the same way, weight 1 each (they are the training mix).
 */
export function decisionEvidence(validation: ScoredRows, classes: number, crossFit?: ScoredRows & { readonly folds: number }, reviewRowsLeftOut = 0): StoredDecisionEvidence {
  const parts = crossFit ? [crossFit, validation] : [validation];
  const n = parts.reduce((sum, p) => sum + p.y.length, 0);
  const predicted = new Int32Array(n);
  const confidence = new Float32Array(n);
  const correct = new Uint8Array(n);
  const weight = new Float32Array(n);
  let at = 0;
  for (const { proba, y, weights } of parts) {
    for (let r = 0; r < y.length; r++, at++) {
      let top = 0;
      for (let c = 1; c < classes; c++) if (proba[r * classes + c]! > proba[r * classes + top]!) top = c;
      predicted[at] = top;
      confidence[at] = proba[r * classes + top]!;
      correct[at] = top === y[r] ? 1 : 0;
      weight[at] = weights ? weights[r]! : 1;
    }
  }
  const weighting = validation.weights ? 'class-frequency' : 'none';
  const leftOut = reviewRowsLeftOut > 0 ? { reviewRowsLeftOut } : {};
  return {
    meta: crossFit
      ? { fittedOn: 'cross-fit', rows: n, folds: crossFit.folds, crossFitRows: crossFit.y.length, weighting, method: 'per-class-curve', ...leftOut }
      : { fittedOn: 'validation', rows: n, weighting, method: 'per-class-curve', ...leftOut },
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
