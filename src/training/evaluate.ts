import { InputError } from '../core/errors.js';
import { calibration, type Calibration } from './calibration.js';
import { classTable, type ClassMetrics, type Confusion } from './confusion.js';
import type { StoredThresholds } from '../core/confidence-meta.js';
import { accuracyAtCoverage, checkStoredThresholds, type CoveragePoint, type StoredThresholdCheck } from './coverage.js';
import { detectLevels, hierarchicalAccuracy, MarginalPrefixes, type LevelAccuracy } from './hierarchy.js';

export interface EvalInput {
  /** The model's class names; index = class id. */
  readonly labels: readonly string[];
  /** True class id per row, or -1 when the true label is not among `labels` (always counted wrong). */
  readonly yTrue: Int32Array;
  /** rows × labels.length calibrated probabilities. */
  readonly proba: Float32Array;
  /** Prefix lengths for hierarchical accuracy; detected from the labels when absent (see detectLevels). */
  readonly levels?: readonly number[];
  /** The raw true label per row; names unknown labels in the report and lets their prefixes count. */
  readonly trueLabels?: readonly string[];
  /** The thresholds the artifact stored at training time, checked on these rows; absent: none stored. */
  readonly storedThresholds?: StoredThresholds;
}

export interface EvalReport {
  readonly rows: number;
  /** Classes the model knows. */
  readonly classes: number;
  readonly accuracy: number;
  /** Mean F1 over the classes present in the truth or the predictions (scikit-learn's label union). */
  readonly macroF1: number;
  /** F1 averaged with each class weighted by its support. */
  readonly weightedF1: number;
  readonly topK: ReadonlyArray<{ readonly k: number; readonly accuracy: number }>;
  /**
   * Mean negative log of the probability given to the true class (clipped at 1e-15) over the rows
   * whose true label the model knows; rows with unknown labels would only add a constant -ln(1e-15).
   */
  readonly logLoss: number;
  readonly logLossRows: number;
  /** Rows whose true label the model never saw (counted as errors everywhere else). */
  readonly unknownLabelRows: number;
  /** Distinct unknown true labels (1 when they are not named, i.e. trueLabels was not given). */
  readonly unknownLabels: number;
  readonly levels: readonly number[];
  readonly hierarchy: readonly LevelAccuracy[];
  readonly calibration: Calibration;
  /**
   * Thresholds fitted on these very rows: the best any threshold could do here, so optimistic
   * about rows not yet seen. storedThresholds says what the model's own thresholds give.
   */
  readonly coverage: readonly CoveragePoint[];
  /** The precision and coverage the artifact's stored thresholds reach on these rows; null when it stores none. */
  readonly storedThresholds: StoredThresholdCheck | null;
  readonly perClass: readonly ClassMetrics[];
  readonly topConfusions: readonly Confusion[];
}

export const TOP_K_REPORTED: readonly number[] = [3, 5];
const LOG_LOSS_EPS = 1e-15;
/** The name unknown true labels get when the raw strings were not given. */
export const UNKNOWN_LABEL = '(unknown)';

/**
 * Collects what the metrics need from probability rows, batch by batch, keeping O(rows) state (the
 * predicted class, its confidence, the rank of the true class), so a large evaluation never holds
 * rows × classes floats at once.
 */
export class EvalAccumulator {
  private readonly predicted: Int32Array;
  private readonly confidence: Float32Array;
  /** Rank of the true class among all classes (0 = top-1, ties by lower class id); -1 unknown. */
  private readonly trueRank: Int32Array;
  private readonly seen: Uint8Array;
  private logLossSum = 0;
  private logLossRows = 0;

  /** Marginal prefix choices for the levels known when rows arrive (those given here, else detected). */
  private readonly marginal: MarginalPrefixes;

  constructor(readonly labels: readonly string[], readonly yTrue: Int32Array, readonly trueLabels?: readonly string[], levels?: readonly number[]) {
    const n = yTrue.length;
    const k = labels.length;
    if (k === 0) throw new InputError('eval-no-classes', 'cannot evaluate a model with no classes', {});
    if (trueLabels !== undefined && trueLabels.length !== n) {
      throw new InputError('eval-shape-mismatch', `trueLabels has ${trueLabels.length} rows but yTrue has ${n}`, { rows: n, trueLabels: trueLabels.length });
    }
    for (let i = 0; i < n; i++) {
      const y = yTrue[i]!;
      if (y < -1 || y >= k) throw new InputError('eval-bad-class-id', `yTrue[${i}] = ${y} is outside [-1, ${k})`, { row: i, classId: y, classes: k });
    }
    this.predicted = new Int32Array(n);
    this.confidence = new Float32Array(n);
    this.trueRank = new Int32Array(n);
    this.seen = new Uint8Array(n);
    this.marginal = new MarginalPrefixes(labels, (levels ?? detectLevels(labels)).filter((l) => labels.some((x) => x.length > l)), n);
  }

  /** Adds probability rows for rows [rowStart, rowStart + proba.length / classes). */
  add(rowStart: number, proba: Float32Array): void {
    const k = this.labels.length;
    const rows = proba.length / k;
    if (!Number.isInteger(rows) || rowStart < 0 || rowStart + rows > this.yTrue.length) {
      throw new InputError('eval-shape-mismatch', `probabilities of length ${proba.length} do not fit rows from ${rowStart} of ${this.yTrue.length} with ${k} classes`,
        { rowStart, length: proba.length, classes: k, rows: this.yTrue.length });
    }
    for (let r = 0; r < rows; r++) {
      const i = rowStart + r;
      const off = r * k;
      const t = this.yTrue[i]!;
      const pt = t >= 0 ? proba[off + t]! : 0;
      let best = 0;
      let bestP = proba[off]!;
      let rank = 0;
      for (let c = 0; c < k; c++) {
        const p = proba[off + c]!;
        if (p > bestP) { bestP = p; best = c; }
        if (p > pt || (p === pt && c < t)) rank++;
      }
      this.predicted[i] = best;
      this.confidence[i] = bestP;
      this.marginal.add(i, proba, off);
      this.seen[i] = 1;
      if (t >= 0) {
        this.trueRank[i] = rank;
        this.logLossSum -= Math.log(Math.min(1, Math.max(pt, LOG_LOSS_EPS)));
        this.logLossRows++;
      } else {
        this.trueRank[i] = -1;
      }
    }
  }

  finish(levels?: readonly number[], stored?: StoredThresholds): EvalReport {
    const n = this.yTrue.length;
    if (n === 0) throw new InputError('eval-no-rows', 'nothing to evaluate: 0 rows', {});
    const missing = this.seen.indexOf(0);
    if (missing >= 0) throw new InputError('eval-incomplete', `row ${missing} has no probabilities`, { row: missing, rows: n });
    const k = this.labels.length;

    // Unknown true labels become extra classes after the model's, named when the raw strings are known.
    const classNames = [...this.labels];
    const extra = new Map<string, number>();
    const trueClass = new Int32Array(n);
    const correct = new Uint8Array(n);
    let hits = 0;
    let unknownRows = 0;
    const topHits = TOP_K_REPORTED.map(() => 0);
    for (let i = 0; i < n; i++) {
      const t = this.yTrue[i]!;
      if (t >= 0) {
        trueClass[i] = t;
        const rank = this.trueRank[i]!;
        if (rank === 0) { correct[i] = 1; hits++; }
        for (let j = 0; j < TOP_K_REPORTED.length; j++) if (rank < TOP_K_REPORTED[j]!) topHits[j]!++;
      } else {
        unknownRows++;
        const name = this.trueLabels?.[i] ?? UNKNOWN_LABEL;
        let id = extra.get(name);
        if (id === undefined) { id = classNames.length; extra.set(name, id); classNames.push(name); }
        trueClass[i] = id;
      }
    }
    const table = classTable(classNames, k, trueClass, this.predicted);
    const usedLevels = levels ?? detectLevels(this.labels);
    const trueLabels = this.trueLabels;
    return {
      rows: n,
      classes: k,
      accuracy: hits / n,
      macroF1: table.macroF1,
      weightedF1: table.weightedF1,
      topK: TOP_K_REPORTED.map((kk, j) => ({ k: kk, accuracy: topHits[j]! / n })),
      logLoss: this.logLossRows > 0 ? this.logLossSum / this.logLossRows : 0,
      logLossRows: this.logLossRows,
      unknownLabelRows: unknownRows,
      unknownLabels: extra.size,
      levels: [...usedLevels],
      hierarchy: hierarchicalAccuracy(this.labels, usedLevels, this.predicted, this.yTrue, (i) => trueLabels?.[i]).map((h) => {
        const marginalAccuracy = this.marginal.accuracy(h.level, this.yTrue, (i) => trueLabels?.[i], this.labels);
        return marginalAccuracy === undefined ? h : { ...h, marginalAccuracy };
      }),
      calibration: calibration(this.confidence, correct),
      coverage: accuracyAtCoverage(this.confidence, correct),
      storedThresholds: stored ? checkStoredThresholds(this.confidence, correct, stored) : null,
      perClass: table.perClass,
      topConfusions: table.topConfusions,
    };
  }
}

/** Every metric of one evaluation; pure, and JSON-serialisable (no NaN: empty things are null or 0). */
export function evaluate(input: EvalInput): EvalReport {
  const acc = new EvalAccumulator(input.labels, input.yTrue, input.trueLabels, input.levels);
  if (input.proba.length !== input.yTrue.length * input.labels.length) {
    throw new InputError('eval-shape-mismatch', `proba has ${input.proba.length} values; expected rows ${input.yTrue.length} × classes ${input.labels.length}`,
      { length: input.proba.length, rows: input.yTrue.length, classes: input.labels.length });
  }
  acc.add(0, input.proba);
  return acc.finish(input.levels, input.storedThresholds);
}
