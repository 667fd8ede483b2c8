import { InputError } from './errors.js';

/**
 * Decide or route: a text is decided automatically ("auto") when its top-1 confidence reaches the
 * threshold of its predicted class, and sent to a person ("review") otherwise. The thresholds are
 * fitted for a target precision from the validation rows the artifact stores (training/
 * decision-evidence.ts writes them), here in core because the target is only known where the
 * model is used: serving (per endpoint), `eval` and `models show` each fit it for their target,
 * in a few milliseconds, so any target in (0, 1) works.
 *
 * The target is the precision of all auto-decided answers together, so the best policy decides
 * the answers most likely to be right: one threshold on P(right | class, confidence). The
 * calibrated confidence estimates it for an average class; a class's own rows say how far it is
 * from average. So:
 * - Per class, an offset to the confidence's log-odds, fitted on its validation rows by logistic
 *   regression with a ridge penalty (shrunk to 0: a class with a handful of rows stays near the
 *   calibration; one that is often wrong at high confidence gets a large negative offset).
 * - One threshold on the adjusted confidence, fitted on out-of-fold adjusted scores (each half's
 *   offsets fitted on the other half), since offsets fitted on the same rows would flatter them.
 *   The precision of the rows at or above a cut is read off a recalibration of those scores
 *   (recalibrate(): P(right | adjusted log-odds) as a logistic curve, fitted on the rows more likely
 *   right than wrong), and the cut is the lowest at which a one-sided 90% lower bound of that
 *   estimate reaches the target while the rows' own record does not contradict it (the upper end
 *   of its Wilson interval reaches the target too).
 *   Why a curve and not the rows' running precision (the rule until 2026-12, and still that of the
 *   stored global thresholds): near a useful target the running precision is nearly flat, so where
 *   its noisy lower bound first dips under the target moved the cut by whole tenths of the traffic.
 *   On the review benchmark's eight models (bench:review, both sizes), refitted on bootstrap
 *   resamples of their rows, the coverage that rule gave at 0.98 spread by 2.5-15 points (sd); the
 *   curve's by 0.6-3.6, at 20-35% coverage instead of 14-27%, with 0.979-0.983 precision on the test
 *   side (the old rule: 0.982-0.990).
 * - A class's threshold on the raw confidence is that threshold with its offset taken back off.
 * Rows are weighted (class-frequency weights: the class mix of the data, not of the split); the
 * interval uses Kish's effective row count.
 */
export const DECISION_SECTIONS = {
  predicted: 'decision.predicted', confidence: 'decision.confidence', correct: 'decision.correct', weight: 'decision.weight',
} as const;

/** One-sided 90%: as the stored global thresholds (training/stored-thresholds.ts). */
export const THRESHOLD_Z = 1.2816;
/**
 * Ridge penalty on each offset (log-odds units; a N(0, 1/RIDGE) prior): a class needs several
 * errors (or a long clean record) at high confidence before its offset moves far from 0.
 */
export const OFFSET_RIDGE = 4;

/** What the artifact header says about its decision evidence (the rows are payload sections). */
export interface DecisionEvidenceMeta {
  /**
   * 'validation': the rows are the validation split's, scored by the model fitted without it.
   * 'cross-fit': the training rows scored out of fold (training/cross-fit.ts) come first, then the
   * validation rows; far more rows per class, so far more classes can be trusted at a high target.
   */
  readonly fittedOn: 'validation' | 'cross-fit';
  readonly rows: number;
  /** With 'cross-fit': the number of folds, and how many of the rows are out-of-fold training rows. */
  readonly folds?: number;
  readonly crossFitRows?: number;
  /** Reviewed rows of the dataset (training/traffic-rows.ts) kept out of the rows: they teach, but were picked for being hard. */
  readonly reviewRowsLeftOut?: number;
  readonly weighting: 'class-frequency' | 'none';
  /**
   * The rule the training-time figures (decisionMetrics) were fitted with: 'per-class-curve' (the
   * recalibration curve, since 2026-12) or 'per-class-wilson' (the running precision's lower bound,
   * before). Serving, `eval` and `models show` fit every artifact's rows with the current rule.
   */
  readonly method: 'per-class-curve' | 'per-class-wilson';
}

/** The validation rows a policy is fitted from: per row its top-1 class, calibrated confidence, correctness and weight. */
export interface DecisionEvidence {
  readonly predicted: Int32Array;
  readonly confidence: Float32Array;
  readonly correct: Uint8Array;
  readonly weight: Float32Array;
}

export interface DecisionPolicy {
  readonly target: number;
  /** Per class id: decide "auto" when the top-1 confidence is >= this (Infinity: never). */
  readonly thresholds: Float32Array;
  /** The threshold on the adjusted confidence; null when no set of rows reaches the target. */
  readonly adjustedThreshold: number | null;
  /** Classes decided at a lower / higher confidence than an average class, by their offsets. */
  readonly lowered: number;
  readonly raised: number;
  /** On the validation rows (weighted): share decided automatically, and their precision (null when none). */
  readonly expectedCoverage: number;
  readonly expectedPrecision: number | null;
  readonly rows: number;
}

/** Throws an InputError naming `where` (a flag, key or field) unless `value` is a number strictly between 0 and 1. */
export function checkTargetPrecision(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value >= 1) {
    throw new InputError('bad-target-precision', `${where} must be a precision strictly between 0 and 1, e.g. 0.98; got ${JSON.stringify(value) ?? String(value)}`,
      { field: where, value: String(value) }, 'Give the precision the auto-decided answers must reach, as a fraction (0.98 = 98%).');
  }
  return value;
}

/** Lower end of the Wilson score interval for a proportion p observed on n (possibly fractional) rows. */
export function wilsonLower(p: number, n: number, z: number): number {
  if (z === 0) return p;
  if (!(n > 0)) return 0;
  const z2 = z * z;
  return (p + z2 / (2 * n) - z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
}

/** Upper end of the same interval. */
export function wilsonUpper(p: number, n: number, z: number): number {
  if (!(n > 0)) return 1;
  const z2 = z * z;
  return (p + z2 / (2 * n) + z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Ridge pulling the recalibration (a, b) toward (1, 0), i.e. toward taking the adjusted confidence
 * as calibrated: a handful of rows, or rows without a single error, cannot send the curve to a cliff.
 */
export const RECALIBRATION_RIDGE = 1;

/** P(right | z) = sigmoid(a z + b) and the inverse of its penalised information (the estimate's covariance). */
interface Recalibration {
  readonly a: number;
  readonly b: number;
  readonly caa: number;
  readonly cab: number;
  readonly cbb: number;
}

/**
 * Weighted logistic regression of `correct` on the adjusted log-odds z, over the rows with z >= 0
 * (the adjusted confidence says more likely right than wrong: every cut a useful target asks for
 * lies there). Over all rows the curve follows the bulk of uncertain rows and over-estimated the
 * precision of the top by 0.5-1 point on the review benchmark's models (0.970-0.977 on their test
 * side at a 0.98 target); over the upper rows it did not. Newton steps from (1, 0), each halved
 * until the penalised likelihood rises: on rows whose confidence says nothing (a small, easy data
 * set scored out of fold, about 3% wrong at every height) full steps overshot and diverged to a
 * falling curve (a = -254 on the 1,500-row fixture of test/serving), which then proved no cut at all.
 */
function recalibrate(z: Float64Array, e: DecisionEvidence): Recalibration {
  let a = 1, b = 0;
  let current = penalisedLikelihood(z, e, a, b);
  for (let step = 0; step < 50; step++) {
    const { ga, gb, haa, hab, hbb } = curveDerivatives(z, e, a, b);
    const det = haa * hbb - hab * hab;
    let da = (hbb * ga - hab * gb) / det;
    let db = (haa * gb - hab * ga) / det;
    // The penalised likelihood is concave, so a short enough step along Newton's direction raises it.
    let next = penalisedLikelihood(z, e, a + da, b + db);
    for (let halving = 0; halving < 40 && !(next >= current); halving++) {
      da /= 2; db /= 2;
      next = penalisedLikelihood(z, e, a + da, b + db);
    }
    if (!(next >= current)) break;
    a += da; b += db; current = next;
    if (Math.abs(da) + Math.abs(db) < 1e-9) break;
  }
  // The covariance at the estimate: the inverse of the penalised information there.
  const { haa, hab, hbb } = curveDerivatives(z, e, a, b);
  const det = haa * hbb - hab * hab;
  return { a, b, caa: hbb / det, cab: -hab / det, cbb: haa / det };
}

/** The penalised log-likelihood's gradient (ga, gb) and information (haa, hab, hbb) at (a, b), over the rows with z >= 0. */
function curveDerivatives(z: Float64Array, e: DecisionEvidence, a: number, b: number) {
  let ga = -RECALIBRATION_RIDGE * (a - 1), gb = -RECALIBRATION_RIDGE * b;
  let haa = RECALIBRATION_RIDGE, hab = 0, hbb = RECALIBRATION_RIDGE;
  for (let i = 0; i < z.length; i++) {
    const zi = z[i]!;
    if (!(zi >= 0)) continue;
    const p = sigmoid(a * zi + b);
    const w = e.weight[i]!;
    const r = w * (e.correct[i]! - p);
    const h = w * p * (1 - p);
    ga += r * zi; gb += r;
    haa += h * zi * zi; hab += h * zi; hbb += h;
  }
  return { ga, gb, haa, hab, hbb };
}

/** The weighted log-likelihood of `correct` under sigmoid(a z + b) over the rows with z >= 0, less the recalibration ridge. */
function penalisedLikelihood(z: Float64Array, e: DecisionEvidence, a: number, b: number): number {
  let sum = -RECALIBRATION_RIDGE * ((a - 1) * (a - 1) + b * b) / 2;
  for (let i = 0; i < z.length; i++) {
    const zi = z[i]!;
    if (!(zi >= 0)) continue;
    const t = a * zi + b;
    // log sigmoid(t) = -log(1 + e^-t), log(1 - sigmoid(t)) = -log(1 + e^t), both without overflow.
    const logRight = -softplus(-t);
    const logWrong = -softplus(t);
    sum += e.weight[i]! * (e.correct[i]! ? logRight : logWrong);
  }
  return sum;
}

const softplus = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

/**
 * The lowest score whose rows (of `order`, sorted by score, highest first) at or above it have a
 * recalibrated precision whose lower bound (mean of the curve over the rows, less THRESHOLD_Z
 * standard deviations of it through (a, b): the delta method) reaches the target, and an observed
 * precision whose Wilson upper bound does; null when none. A threshold cannot split equal scores,
 * so candidate prefixes end where the score changes.
 */
function lowestThreshold(score: Float64Array, e: DecisionEvidence, order: Uint32Array, target: number, r: Recalibration): number | null {
  let sw = 0, sw2 = 0, hits = 0, sp = 0, spa = 0, spb = 0;
  let best: number | null = null;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    const w = e.weight[i]!;
    const s = score[i]!;
    const p = sigmoid(r.a * s + r.b);
    sw += w; sw2 += w * w; hits += w * e.correct[i]!;
    sp += w * p; spa += w * p * (1 - p) * s; spb += w * p * (1 - p);
    if (k + 1 < order.length && score[order[k + 1]!] === s) continue;
    if (!(sw > 0)) continue;
    const ga = spa / sw, gb = spb / sw;
    const sd = Math.sqrt(Math.max(0, ga * ga * r.caa + 2 * ga * gb * r.cab + gb * gb * r.cbb));
    // The small tolerance keeps e.g. 19/20 >= 0.95 true despite binary floating point.
    if (sp / sw - THRESHOLD_Z * sd >= target - 1e-12 && wilsonUpper(hits / sw, (sw * sw) / sw2, THRESHOLD_Z) >= target - 1e-12) best = s;
  }
  return best;
}

const logit = (p: number) => { const q = Math.min(Math.max(p, 1e-7), 1 - 1e-7); return Math.log(q / (1 - q)); };

/**
 * Ridge logistic offsets: per key k (a class, or a group), the delta maximising
 * sum over its rows of w * loglik(correct | sigmoid(base + delta)) - RIDGE * delta^2 / 2,
 * by Newton steps of at most 1 (concave, so 30 are plenty). Rows with use[i] = 0 are left out.
 */
function fitOffsets(e: DecisionEvidence, keyOf: (i: number) => number, keys: number, base: Float64Array, use: Uint8Array, ridge: number): Float64Array {
  const delta = new Float64Array(keys);
  const grad = new Float64Array(keys);
  const hess = new Float64Array(keys);
  for (let step = 0; step < 30; step++) {
    grad.fill(0); hess.fill(0);
    for (let i = 0; i < base.length; i++) {
      const k = keyOf(i);
      if (!use[i] || k < 0) continue;
      const p = sigmoid(base[i]! + delta[k]!);
      const w = e.weight[i]!;
      grad[k]! += w * (e.correct[i]! - p);
      hess[k]! += w * p * (1 - p);
    }
    // Steps are capped: a class whose rows are all wrong at confident scores has a near-zero
    // curvature there, and a full Newton step would overshoot back and forth.
    for (let k = 0; k < keys; k++) delta[k]! += Math.max(-1, Math.min(1, (grad[k]! - ridge * delta[k]!) / (hess[k]! + ridge)));
  }
  return delta;
}

/** Per row, its log-odds plus its class's offset fitted on the rows with use = 1; and the offsets. */
function adjustedLogits(e: DecisionEvidence, classes: number, ridge: number, use: Uint8Array): { rows: Float64Array; classOffset: Float64Array } {
  const n = e.predicted.length;
  const raw = Float64Array.from(e.confidence, logit);
  const classOffset = fitOffsets(e, (i) => e.predicted[i]!, classes, raw, use, ridge);
  const rows = new Float64Array(n);
  for (let i = 0; i < n; i++) rows[i] = raw[i]! + classOffset[e.predicted[i]!]!;
  return { rows, classOffset };
}

export interface DecisionPolicyOptions {
  /** Ridge penalty on the offsets (default OFFSET_RIDGE; bench/decision-design.ts compares others on validation rows). */
  readonly ridge?: number | undefined;
}

/** Fits the thresholds for `target` on the stored rows (see the rule above). */
export function fitDecisionPolicy(e: DecisionEvidence, classes: number, target: number, options: DecisionPolicyOptions = {}): DecisionPolicy {
  checkTargetPrecision(target, 'the target precision');
  const n = e.predicted.length;
  // Out-of-fold adjusted scores: each row's offsets come from the other fold. Folds by a hash of the
  // row index, not its parity, so no pattern in the stored order lines up with them.
  const outOfFold = new Float64Array(n);
  const foldOf = Uint8Array.from({ length: n }, (_, i) => Math.imul(i + 1, 0x9e3779b1) >>> 31);
  for (const fold of [0, 1]) {
    const { rows } = adjustedLogits(e, classes, options.ridge ?? OFFSET_RIDGE, foldOf.map((f) => (f === fold ? 0 : 1)));
    for (let i = 0; i < n; i++) if (foldOf[i] === fold) outOfFold[i] = rows[i]!;
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => outOfFold[b]! - outOfFold[a]! || a - b);
  const cut = lowestThreshold(outOfFold, e, order, target, recalibrate(outOfFold, e));
  const { classOffset } = adjustedLogits(e, classes, options.ridge ?? OFFSET_RIDGE, new Uint8Array(n).fill(1));
  const thresholds = new Float32Array(classes).fill(Infinity);
  let lowered = 0, raised = 0;
  if (cut !== null) {
    const average = sigmoid(cut);
    for (let c = 0; c < classes; c++) {
      // conf >= sigmoid(cut - offset)  <=>  logit(conf) + offset >= cut
      thresholds[c] = Math.fround(sigmoid(cut - classOffset[c]!));
      if (thresholds[c]! < average - 1e-6) lowered++;
      else if (thresholds[c]! > average + 1e-6) raised++;
    }
  }
  let total = 0, auto = 0, right = 0;
  for (let i = 0; i < n; i++) {
    const w = e.weight[i]!;
    total += w;
    if (e.confidence[i]! >= thresholds[e.predicted[i]!]!) { auto += w; right += w * e.correct[i]!; }
  }
  return {
    target, thresholds, adjustedThreshold: cut === null ? null : sigmoid(cut), lowered, raised,
    expectedCoverage: total > 0 ? auto / total : 0, expectedPrecision: auto > 0 ? right / auto : null, rows: n,
  };
}

/** Both sets of rows as one (either may be absent). */
export function joinEvidence(a: DecisionEvidence | undefined, b: DecisionEvidence | undefined): DecisionEvidence | undefined {
  if (!a || !b) return a ?? b;
  const join = <T extends Int32Array | Float32Array | Uint8Array>(x: T, y: T, make: (n: number) => T): T => { const out = make(x.length + y.length); out.set(x); out.set(y, x.length); return out; };
  return {
    predicted: join(a.predicted, b.predicted, (n) => new Int32Array(n)), confidence: join(a.confidence, b.confidence, (n) => new Float32Array(n)),
    correct: join(a.correct, b.correct, (n) => new Uint8Array(n)), weight: join(a.weight, b.weight, (n) => new Float32Array(n)),
  };
}

/** 1 (auto) where a text's top-1 confidence reaches its class's threshold, else 0 (review), into `out`. Allocates nothing. */
export function decideInto(thresholds: Float32Array, topIds: Int32Array, topScores: Float32Array, out: Uint8Array): Uint8Array {
  for (let i = 0; i < topIds.length; i++) out[i] = topScores[i]! >= thresholds[topIds[i]!]! ? 1 : 0;
  return out;
}

/** The evidence stored in an artifact's sections, when its header says it has some. */
export function readDecisionEvidence(meta: { readonly decision?: DecisionEvidenceMeta | undefined }, sections: ReadonlyMap<string, unknown>): DecisionEvidence | undefined {
  if (!meta.decision) return undefined;
  const predicted = sections.get(DECISION_SECTIONS.predicted);
  const confidence = sections.get(DECISION_SECTIONS.confidence);
  const correct = sections.get(DECISION_SECTIONS.correct);
  const weight = sections.get(DECISION_SECTIONS.weight);
  if (!(predicted instanceof Int32Array && confidence instanceof Float32Array && correct instanceof Uint8Array && weight instanceof Float32Array)) return undefined;
  if (confidence.length !== predicted.length || correct.length !== predicted.length || weight.length !== predicted.length) return undefined;
  return { predicted, confidence, correct, weight };
}
