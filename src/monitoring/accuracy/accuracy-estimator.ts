import { InputError } from '../../core/errors.js';
import { createRandom, shuffleInPlace } from '../../core/random.js';
import { fitIsotonic, predictIsotonic, type IsotonicFit } from './isotonic-regression.js';

/**
 * Estimated accuracy before any label arrives: NannyML's confidence-based performance estimation
 * (CBPE). On the reference (the validation split, whose correctness is known) an isotonic map from
 * the top-1 score to P(correct) is fitted; the expected accuracy of a production window is then the
 * mean calibrated top score of its predictions. It stays right under covariate shift (P(x) changes,
 * P(y|x) does not) and cannot see concept drift: only labels can, hence real accuracy beside it.
 *
 * The alert band follows NannyML's StandardDeviationThreshold: the reference is cut into chunks
 * (default 10 chunks), the realised accuracy of each chunk is computed, and the band is their mean
 * ± 3 standard deviations. The chunk spread is sampling noise, so for a window of n rows it is
 * scaled by sqrt(chunkSize / n): a 5,000-row window gets a narrower band than a 500-row chunk.
 * The reference rows are shuffled (fixed seed) before chunking because a validation split stored
 * class by class would otherwise give chunks of very different accuracy and a band far too wide.
 */
export interface CalibrationRows {
  /** Top-1 probability of each reference (validation) row. */
  readonly scores: ArrayLike<number>;
  /** 1 (or true) when the top-1 label was the true label. */
  readonly correct: ArrayLike<number | boolean>;
}

export interface CalibratorOptions {
  /** Rows per reference chunk; default: the reference size / `chunks`. */
  readonly chunkSize?: number | undefined;
  /** Number of chunks when chunkSize is not given; default 10 (NannyML's default chunker). */
  readonly chunks?: number | undefined;
  /** Width of the band in standard deviations; default 3 (NannyML). */
  readonly sigmas?: number | undefined;
  readonly seed?: number | undefined;
}

export interface ReferenceBand {
  readonly rows: number;
  /** Realised accuracy of the whole reference. */
  readonly accuracy: number;
  readonly chunkSize: number;
  readonly chunkAccuracies: readonly number[];
  /** Mean and (population) standard deviation of the chunk accuracies. */
  readonly mean: number;
  readonly std: number;
  readonly sigmas: number;
}

export interface AccuracyCalibratorJSON {
  readonly kind: 'cbpe-top-score-isotonic';
  readonly formatVersion: 1;
  readonly knots: { readonly x: readonly number[]; readonly y: readonly number[] };
  readonly reference: ReferenceBand;
}

export interface AccuracyEstimate {
  /** Rows in the window. */
  readonly n: number;
  /** Mean calibrated top score; null for an empty window. */
  readonly estimated: number | null;
  /** Standard deviation of the realised accuracy these calibrated probabilities imply (sampling error). */
  readonly standardError: number | null;
  /** The alert band for a window of this size: reference mean ± sigmas × scaled chunk std, within [0, 1]. */
  readonly mean: number;
  readonly lower: number;
  readonly upper: number;
  /** The estimate is outside the band. */
  readonly alert: boolean;
}

export class AccuracyCalibrator {
  private constructor(private readonly fit: IsotonicFit, readonly reference: ReferenceBand) {}

  static fit(rows: CalibrationRows, options: CalibratorOptions = {}): AccuracyCalibrator {
    const n = rows.scores.length;
    if (n === 0) throw new InputError('calibration-empty', 'the reference has no calibration rows, so accuracy cannot be estimated', {}, 'store the validation split\'s top scores and correctness in the reference profile');
    if (rows.correct.length !== n) {
      throw new InputError('calibration-invalid', `calibration has ${n} scores but ${rows.correct.length} correctness flags`, { scores: n, correct: rows.correct.length }, 'give one correctness flag per score');
    }
    const x = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const s = rows.scores[i]!;
      if (!Number.isFinite(s) || s < 0 || s > 1) throw new InputError('calibration-invalid', `calibration row ${i}: score ${s} is not a probability in [0, 1]`, { row: i, field: 'scores' }, 'store top-1 probabilities, not logits');
      x[i] = s;
      const c = rows.correct[i]!;
      y[i] = c === true || c === 1 ? 1 : 0;
    }
    const fitted = fitIsotonic(x, y);
    const reference = referenceBand(y, options);
    return new AccuracyCalibrator(fitted, reference);
  }

  static fromJSON(json: unknown): AccuracyCalibrator {
    const bad = (what: string): never => { throw new InputError('calibrator-invalid', `stored accuracy calibrator is invalid: ${what}`, {}, 'rebuild the reference profile of this model version'); };
    if (typeof json !== 'object' || json === null) return bad('not an object');
    const j = json as Partial<AccuracyCalibratorJSON>;
    if (j.kind !== 'cbpe-top-score-isotonic' || j.formatVersion !== 1) return bad(`unknown kind/format ${String(j.kind)}/${String(j.formatVersion)}`);
    const kx = j.knots?.x, ky = j.knots?.y;
    if (!Array.isArray(kx) || !Array.isArray(ky) || kx.length === 0 || kx.length !== ky.length) return bad('knots.x and knots.y must be non-empty arrays of one length');
    for (let i = 0; i < kx.length; i++) {
      if (typeof kx[i] !== 'number' || typeof ky[i] !== 'number') return bad(`knot ${i} is not a number pair`);
      if (i > 0 && !(kx[i]! > kx[i - 1]! && ky[i]! >= ky[i - 1]!)) return bad(`knot ${i} breaks monotonicity`);
    }
    const r = j.reference;
    if (!r || typeof r.mean !== 'number' || typeof r.std !== 'number' || typeof r.chunkSize !== 'number' || typeof r.sigmas !== 'number' || typeof r.rows !== 'number' || typeof r.accuracy !== 'number' || !Array.isArray(r.chunkAccuracies)) return bad('reference band is incomplete');
    return new AccuracyCalibrator({ x: Float64Array.from(kx), y: Float64Array.from(ky) }, { ...r, chunkAccuracies: [...r.chunkAccuracies] });
  }

  toJSON(): AccuracyCalibratorJSON {
    return { kind: 'cbpe-top-score-isotonic', formatVersion: 1, knots: { x: [...this.fit.x], y: [...this.fit.y] }, reference: this.reference };
  }

  /** P(correct) for a top-1 score. */
  calibrate(score: number): number {
    return predictIsotonic(this.fit, score);
  }

  /** The alert band for a window of `n` rows (default: one reference chunk). */
  band(n = this.reference.chunkSize): { mean: number; lower: number; upper: number } {
    const r = this.reference;
    const spread = r.sigmas * r.std * Math.sqrt(r.chunkSize / Math.max(1, n));
    return { mean: r.mean, lower: Math.max(0, r.mean - spread), upper: Math.min(1, r.mean + spread) };
  }
}

export function estimateAccuracy(calibrator: AccuracyCalibrator, topScores: ArrayLike<number>): AccuracyEstimate {
  const acc = new AccuracyEstimateAccumulator(calibrator);
  for (let i = 0; i < topScores.length; i++) acc.add(topScores[i]!);
  return acc.result();
}

/**
 * estimateAccuracy over scores that arrive page by page (a million-row window is never held): the
 * same sums in the same order, so the same estimate as on the whole column at once.
 */
export class AccuracyEstimateAccumulator {
  private n = 0;
  private sum = 0;
  private variance = 0;

  constructor(private readonly calibrator: AccuracyCalibrator) {}

  add(topScore: number): void {
    const p = this.calibrator.calibrate(topScore);
    this.sum += p;
    this.variance += p * (1 - p);
    this.n++;
  }

  result(): AccuracyEstimate {
    const n = this.n;
    const band = this.calibrator.band(n);
    if (n === 0) return { n, estimated: null, standardError: null, ...band, alert: false };
    const estimated = this.sum / n;
    return { n, estimated, standardError: Math.sqrt(this.variance) / n, ...band, alert: estimated < band.lower || estimated > band.upper };
  }
}

export interface EstimationError {
  /** estimated − real (positive: the estimate was optimistic). */
  readonly error: number;
  readonly absoluteError: number;
  /** The estimate lies inside the real accuracy's Wilson interval (when one was given). */
  readonly withinRealInterval: boolean | null;
}

/** How far the label-free estimate was from the accuracy the labels later showed, over the same predictions. */
export function estimationError(
  estimated: number | Pick<AccuracyEstimate, 'estimated'>,
  real: number | { readonly accuracy: number | null; readonly interval?: { readonly lower: number; readonly upper: number } },
): EstimationError | null {
  const e = typeof estimated === 'number' ? estimated : estimated.estimated;
  const r = typeof real === 'number' ? real : real.accuracy;
  if (e === null || r === null) return null;
  const interval = typeof real === 'number' ? undefined : real.interval;
  return { error: e - r, absoluteError: Math.abs(e - r), withinRealInterval: interval ? e >= interval.lower && e <= interval.upper : null };
}

function referenceBand(correct: Float64Array, options: CalibratorOptions): ReferenceBand {
  const n = correct.length;
  const chunks = Math.max(1, Math.floor(options.chunks ?? 10));
  const chunkSize = Math.max(1, Math.min(n, Math.floor(options.chunkSize ?? n / chunks) || 1));
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  shuffleInPlace(order, createRandom(options.seed ?? 7));
  let total = 0;
  for (let i = 0; i < n; i++) total += correct[i]!;
  const accuracy = total / n;
  // Full chunks only: a short last chunk has a larger spread and would widen the band.
  const chunkAccuracies: number[] = [];
  for (let start = 0; start + chunkSize <= n; start += chunkSize) {
    let hits = 0;
    for (let k = start; k < start + chunkSize; k++) hits += correct[order[k]!]!;
    chunkAccuracies.push(hits / chunkSize);
  }
  const mean = chunkAccuracies.reduce((a, b) => a + b, 0) / chunkAccuracies.length;
  let ss = 0;
  for (const a of chunkAccuracies) ss += (a - mean) * (a - mean);
  // With few chunks (or a reference that is all right) the observed spread can be 0, which would make
  // any dip an alert: never go below the binomial spread of a chunk, with p kept off 0 and 1.
  const p = Math.min(1 - 0.5 / n, Math.max(0.5 / n, accuracy));
  const std = Math.max(Math.sqrt(ss / chunkAccuracies.length), Math.sqrt((p * (1 - p)) / chunkSize));
  return { rows: n, accuracy, chunkSize, chunkAccuracies, mean, std, sigmas: options.sigmas ?? 3 };
}
