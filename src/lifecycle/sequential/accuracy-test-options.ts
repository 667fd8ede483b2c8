import type { ReleasePlan } from '../pipeline/pipeline-spec.js';
import { asRecord, badField, checkOpenUnit, checkPositiveCount } from './sequential-input.js';

/**
 * When the challenger is promoted:
 * - `superiority` (the default): the always-valid lower bound of challenger − champion is above 0:
 *   the challenger is better, with confidence 1 − α;
 * - `non-inferiority`: the lower bound is above −margin: the challenger is at most `margin` worse,
 *   with confidence. Chosen by a plan that wants a cheaper or faster model that is "as good".
 */
export type PromotionRule = 'superiority' | 'non-inferiority';

export type AccuracyDesign = 'paired' | 'unpaired';

export interface AccuracyTestOptions {
  /** The error rate of the test (both directions together). From the plan's `alpha`. */
  readonly alpha: number;
  /** Smallest accuracy difference worth detecting, in (0, 1): sizes the labels-needed estimate and the futility stop. */
  readonly minEffect: number;
  /** Give up (no decision; champion kept) once this many delayed labels entered the test. */
  readonly maxLabels: number;
  readonly rule?: PromotionRule;
  /** The non-inferiority margin, in (0, 1). Default: minEffect. Only read by the non-inferiority rule. */
  readonly margin?: number;
  /** N*: the number of labels at which the confidence sequence is tightest. Default: `defaultTuningLabels`. */
  readonly tuningLabels?: number;
  /** No decision before each arm has this many labels. Default 100. */
  readonly minLabels?: number;
}

export type ResolvedAccuracyOptions = Required<AccuracyTestOptions>;

/**
 * No decision before each arm holds 100 labels: the confidence sequence is asymptotic (a central
 * limit argument), and over the first few dozen labels a variance estimate can be near 0 (every
 * discordant pair so far in one direction), which would make the interval too narrow. 100 labels
 * cost little next to the thousands a 2-point difference needs.
 */
export const DEFAULT_MIN_LABELS = 100;

/**
 * The default N* is the fixed-horizon sample size of a two-sided level-α test with 80% power
 * against the plan's minEffect δ, (z_{1−α/2} + z_{0.8})² σ₀² / δ², with a prior per-label variance
 * σ₀² that errs large: 0.25 for a paired design (two models disagreeing on a quarter of texts;
 * retrained classifiers of about 80% accuracy disagree on 10–20%), 1 for an unpaired one (the
 * difference of two Bernoulli means of variance at most 1/4 each, half the labels in each arm).
 * That is where a fixed test would decide, and a sequential test decides somewhat later, so the
 * sequence is tightest where a decision is due; being wrong by a factor of 2 costs a few percent of
 * width (bench/lifecycle-simulation.ts shows the labels to decision). For α = 0.05 and δ = 0.02:
 * about 4,900 labels paired, 19,600 unpaired.
 */
export function defaultTuningLabels(design: AccuracyDesign, alpha: number, minEffect: number): number {
  const z = normalQuantile(1 - alpha / 2) + normalQuantile(0.8);
  const prior = design === 'paired' ? 0.25 : 1;
  return Math.ceil((z * z * prior) / (minEffect * minEffect));
}

export function resolveAccuracyOptions(design: AccuracyDesign, options: AccuracyTestOptions, field = 'options'): ResolvedAccuracyOptions {
  const o = asRecord(field, options);
  const alpha = checkOpenUnit(`${field}.alpha`, o['alpha']);
  const minEffect = checkOpenUnit(`${field}.minEffect`, o['minEffect']);
  const maxLabels = checkPositiveCount(`${field}.maxLabels`, o['maxLabels']);
  const rule = o['rule'] ?? 'superiority';
  if (rule !== 'superiority' && rule !== 'non-inferiority') throw badField(`${field}.rule`, 'must be "superiority" or "non-inferiority"', rule);
  const margin = o['margin'] === undefined ? minEffect : checkOpenUnit(`${field}.margin`, o['margin']);
  const tuningLabels = o['tuningLabels'] === undefined ? defaultTuningLabels(design, alpha, minEffect) : checkPositiveCount(`${field}.tuningLabels`, o['tuningLabels']);
  const minLabels = o['minLabels'] === undefined ? DEFAULT_MIN_LABELS : checkPositiveCount(`${field}.minLabels`, o['minLabels']);
  return { alpha, minEffect, maxLabels, rule, margin, tuningLabels, minLabels };
}

/** The accuracy test a release plan asks for; `extra` chooses the rule and the tuning. */
export function accuracyOptionsFromPlan(plan: Pick<ReleasePlan, 'alpha' | 'minEffect' | 'maxLabels'>, extra: Omit<AccuracyTestOptions, 'alpha' | 'minEffect' | 'maxLabels'> = {}): AccuracyTestOptions {
  return { alpha: plan.alpha, minEffect: plan.minEffect, maxLabels: plan.maxLabels, ...extra };
}

/**
 * The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9):
 * enough for a default sample size; nothing decides on it.
 */
export function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  const tail = (q: number): number => (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < low) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - low) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}
