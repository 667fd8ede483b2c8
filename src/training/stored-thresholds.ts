import type { StoredThresholdPoint, StoredThresholds } from '../core/confidence-meta.js';
import { wilsonLower } from '../core/decision-policy.js';

export { wilsonLower };

/**
 * The confidence thresholds stored in an artifact at training time: "auto-classify a text when its
 * top-1 confidence is >= threshold, and expect this precision". They are fitted on the validation
 * part, which the weights never saw, and must hold on texts nobody has seen yet, so two things
 * the plain "largest prefix whose accuracy reaches the target" gets wrong are corrected:
 *
 * - Selection noise: on a few thousand rows the running accuracy of the most confident rows wobbles
 *   by a point or more, and the largest prefix that reaches the target is where it wobbled up. A
 *   prefix is only accepted when the lower end of a one-sided Wilson interval for its precision
 *   reaches the target (90% by default), so a 98% threshold fitted on 2,000 rows asks for about
 *   98.6% observed.
 * - Class mix: the grouped split sends at least one group of every class to validation, so rare
 *   classes (where the model is least sure and most wrong) fill far more of it than of real traffic.
 *   Rows can be weighted by (class share in training) / (class share in validation), which measures
 *   precision on the class mix the data (and so traffic) has; the interval then uses Kish's
 *   effective row count, (sum w)^2 / sum w^2.
 *
 * One function of (confidence, correct[, weights]), so a caller that refits on all rows can decide
 * which scores the thresholds are fitted on.
 */
export const STORED_TARGETS: readonly number[] = [0.95, 0.98, 0.99];
/** One-sided 90%: on the benchmark's HS4 split the 98% thresholds then held (see README, bench:accuracy). */
export const DEFAULT_CONFIDENCE_LEVEL = 0.9;
const Z_OF_LEVEL: ReadonlyMap<number, number> = new Map([[0.5, 0], [0.8, 0.8416], [0.9, 1.2816], [0.95, 1.6449], [0.99, 2.3263]]);

export interface FitThresholdOptions {
  /** One weight per row (e.g. classFrequencyWeights); all 1 when absent. */
  readonly weights?: Float64Array;
  readonly targets?: readonly number[];
  /** One of 0.5 (no margin), 0.8, 0.9, 0.95, 0.99. */
  readonly confidenceLevel?: number;
}

export function fitStoredThresholds(confidence: Float32Array, correct: Uint8Array, options: FitThresholdOptions = {}): StoredThresholds {
  const n = confidence.length;
  if (correct.length !== n || (options.weights && options.weights.length !== n)) {
    throw new RangeError(`fitStoredThresholds: ${n} confidences, ${correct.length} correctness flags, ${options.weights?.length ?? n} weights`);
  }
  const level = options.confidenceLevel ?? DEFAULT_CONFIDENCE_LEVEL;
  const z = Z_OF_LEVEL.get(level);
  if (z === undefined) throw new RangeError(`fitStoredThresholds: confidence level ${level} is not one of ${[...Z_OF_LEVEL.keys()].join(', ')}`);
  const targets = options.targets ?? STORED_TARGETS;
  const w = options.weights;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => confidence[b]! - confidence[a]! || a - b);
  let total = 0;
  let totalSq = 0;
  for (let i = 0; i < n; i++) { const wi = w ? w[i]! : 1; total += wi; totalSq += wi * wi; }

  const best: Array<Omit<StoredThresholdPoint, 'target'>> = targets.map(() => ({ threshold: null, validPrecision: null, validCoverage: 0, lowerBound: null }));
  let sw = 0;
  let sw2 = 0;
  let hits = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const wi = w ? w[i]! : 1;
    sw += wi; sw2 += wi * wi; hits += wi * correct[i]!;
    const c = confidence[i]!;
    // A threshold cannot separate rows of equal confidence: prefixes end where it changes.
    if (k + 1 < n && confidence[order[k + 1]!] === c) continue;
    if (!(sw > 0)) continue;
    const precision = hits / sw;
    const lower = wilsonLower(precision, (sw * sw) / sw2, z);
    for (let t = 0; t < targets.length; t++) {
      // The small tolerance keeps e.g. 19/20 >= 0.95 true despite binary floating point.
      if (lower >= targets[t]! - 1e-12) best[t] = { threshold: c, validPrecision: precision, validCoverage: sw / total, lowerBound: lower };
    }
  }
  return {
    fittedOn: 'validation', rows: n, effectiveRows: totalSq > 0 ? (total * total) / totalSq : 0,
    method: 'wilson-lower-bound', confidenceLevel: level, weighting: w ? 'class-frequency' : 'none',
    points: targets.map((target, t) => ({ target, ...best[t]! })),
  };
}

/**
 * Per validation row: (its class's share of the training rows) / (its class's share of the
 * validation rows), so weighted figures describe the class mix of the data, not of the split.
 */
export function classFrequencyWeights(trainY: Int32Array, validY: Int32Array, classes: number): Float64Array {
  const train = new Float64Array(classes);
  const valid = new Float64Array(classes);
  for (const c of trainY) train[c]!++;
  for (const c of validY) valid[c]!++;
  return Float64Array.from(validY, (c) => (train[c]! / trainY.length) / (valid[c]! / validY.length));
}
