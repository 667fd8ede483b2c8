/**
 * What an artifact records about how far its confidences can be trusted: the calibration applied
 * to every prediction's top-1 probability, and the thresholds for auto-classifying at a target
 * precision. Both are fitted on the validation part at training time (src/training) and read by
 * serving, `eval` and the registry, so the shapes live in core.
 */

/**
 * Top-label calibration: the top-1 probability p1 becomes
 *   sigmoid(intercept + logMargin × ln(p1 / p2) + logitTop1 × ln(p1 / (1 − p1)))
 * (p2 the runner-up), and the other classes share the rest in their old proportions. A logistic
 * regression of "top-1 was right" on those two features, fitted on validation rows.
 */
export interface Top1Calibration {
  readonly method: 'top1-logistic';
  readonly intercept: number;
  readonly logMargin: number;
  readonly logitTop1: number;
  readonly fittedOn: 'validation';
  readonly rows: number;
}

export interface StoredThresholdPoint {
  /** The precision asked for, e.g. 0.98. */
  readonly target: number;
  /** Auto-classify rows whose top-1 confidence is >= this; null when no prefix reaches the target. */
  readonly threshold: number | null;
  /** (Weighted) precision of the validation rows at or above the threshold; null when none. */
  readonly validPrecision: number | null;
  /** (Weighted) share of validation rows at or above the threshold: the expected automation rate. */
  readonly validCoverage: number;
  /** Lower end of the interval for validPrecision; null when no prefix reaches the target. */
  readonly lowerBound: number | null;
}

export interface StoredThresholds {
  readonly fittedOn: 'validation';
  readonly rows: number;
  /** Kish's effective number of rows under the weights (= rows when unweighted). */
  readonly effectiveRows: number;
  readonly method: 'wilson-lower-bound';
  /** One-sided confidence of the lower bound, e.g. 0.9. */
  readonly confidenceLevel: number;
  readonly weighting: 'class-frequency' | 'none';
  readonly points: readonly StoredThresholdPoint[];
}
