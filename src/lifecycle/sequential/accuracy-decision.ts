import type { ResolvedAccuracyOptions } from './accuracy-test-options.js';
import { halfWidth, observationsForHalfWidth } from './confidence-sequence.js';
import { formatAbout, formatCount, formatPercent, formatPoints } from './plain-figures.js';

/**
 * - `challenger-better`: the lower bound of challenger − champion is above 0 (promote);
 * - `challenger-not-worse`: non-inferiority rule only, the lower bound is above −margin (promote),
 *   even when the upper bound is below 0: a loss within the margin is what the plan accepted;
 * - `challenger-worse`: the upper bound is below 0, or under non-inferiority below −margin (keep the
 *   champion; a guardrail breach in canary). Under non-inferiority a smaller loss is not a stop:
 *   were it, a challenger truly 1 point worse under a 2-point margin would be stopped about half
 *   the time, as both bounds cross together (bench/lifecycle-simulation.ts);
 * - `no-difference-within-margin`: superiority rule only, the whole interval lies within ±minEffect:
 *   whatever the difference is, it is smaller than the plan cares about (keep the champion);
 * - `no-decision`: maxLabels reached without any of the above (keep the champion);
 * - `continue`: wait for more labels.
 */
export type AccuracyDecisionKind = 'challenger-better' | 'challenger-not-worse' | 'challenger-worse' | 'no-difference-within-margin' | 'no-decision' | 'continue';

export interface ArmAccuracy {
  readonly labels: number;
  readonly correct: number;
}

/** What a test's counts say about challenger − champion accuracy, in the confidence sequence's terms. */
export interface DifferenceSnapshot {
  readonly estimate: number;
  /** Per-label variance of the difference (the s² of the confidence sequence). */
  readonly variance: number;
  /** Delayed labels in the test: the sequence's time index and what maxLabels counts. */
  readonly labels: number;
  readonly champion: ArmAccuracy;
  readonly challenger: ArmAccuracy;
  /** The variance assumed for the labels-needed projection before there is an estimate. */
  readonly priorVariance: number;
}

/** The decision without its sentences: what the simulation reads after every batch. */
export interface AccuracyVerdict {
  readonly decision: AccuracyDecisionKind;
  readonly estimate: number;
  /** ±Infinity before an arm has a label (JSON.stringify writes null). */
  readonly lower: number;
  readonly upper: number;
  readonly labels: number;
}

export interface AccuracyDecision extends AccuracyVerdict {
  readonly promote: boolean;
  /** Any decision but `continue`: the experiment is over. */
  readonly stop: boolean;
  readonly rule: ResolvedAccuracyOptions['rule'];
  readonly alpha: number;
  readonly n: { readonly champion: number; readonly challenger: number };
  readonly accuracy: { readonly champion: number | null; readonly challenger: number | null };
  /** More labels a difference of minEffect (non-inferiority: of margin) would need to show, at the current variance; 0 once decided, null before any label. */
  readonly labelsNeededEstimate: number | null;
  readonly reason: string;
}

export function isPromotion(decision: AccuracyDecisionKind): boolean {
  return decision === 'challenger-better' || decision === 'challenger-not-worse';
}

export function accuracyVerdict(s: DifferenceSnapshot, o: ResolvedAccuracyOptions, rho: number): AccuracyVerdict {
  const w = halfWidth(s.variance, s.labels, o.alpha, rho);
  const lower = s.labels > 0 ? s.estimate - w : -Infinity;
  const upper = s.labels > 0 ? s.estimate + w : Infinity;
  const verdict = (decision: AccuracyDecisionKind): AccuracyVerdict => ({ decision, estimate: s.estimate, lower, upper, labels: s.labels });
  const atLimit = s.labels >= o.maxLabels;
  if (Math.min(s.champion.labels, s.challenger.labels) < o.minLabels) return verdict(atLimit ? 'no-decision' : 'continue');
  if (o.rule === 'non-inferiority') {
    if (lower > -o.margin) return verdict(lower > 0 ? 'challenger-better' : 'challenger-not-worse');
    if (upper < -o.margin) return verdict('challenger-worse');
  } else {
    if (upper < 0) return verdict('challenger-worse');
    if (lower > 0) return verdict('challenger-better');
    if (lower > -o.minEffect && upper < o.minEffect) return verdict('no-difference-within-margin');
  }
  return verdict(atLimit ? 'no-decision' : 'continue');
}

export function explainAccuracy(s: DifferenceSnapshot, o: ResolvedAccuracyOptions, rho: number): AccuracyDecision {
  const v = accuracyVerdict(s, o, rho);
  const needed = v.decision === 'continue' ? labelsNeeded(s, o, rho) : v.labels === 0 ? null : 0;
  const accuracy = (a: ArmAccuracy) => (a.labels > 0 ? a.correct / a.labels : null);
  return {
    ...v, promote: isPromotion(v.decision), stop: v.decision !== 'continue', rule: o.rule, alpha: o.alpha,
    n: { champion: s.champion.labels, challenger: s.challenger.labels },
    accuracy: { champion: accuracy(s.champion), challenger: accuracy(s.challenger) },
    labelsNeededEstimate: needed, reason: reasonFor(v, s, o, needed),
  };
}

/**
 * Labels until the interval's half-width falls to the effect the plan cares about (minEffect; the
 * margin under non-inferiority), at the variance seen so far, and at least until every arm has
 * minLabels. Were the true difference exactly that effect, the bound would then just clear 0.
 */
function labelsNeeded(s: DifferenceSnapshot, o: ResolvedAccuracyOptions, rho: number): number | null {
  if (s.labels === 0) return null;
  const usable = Number.isFinite(s.variance) && s.variance > 0;
  const settled = Math.min(s.champion.labels, s.challenger.labels) >= o.minLabels;
  const variance = !usable ? s.priorVariance : settled ? s.variance : Math.max(s.variance, s.priorVariance);
  const target = o.rule === 'non-inferiority' ? o.margin : o.minEffect;
  const total = observationsForHalfWidth(variance, target, o.alpha, rho);
  const short = Math.max(0, o.minLabels - Math.min(s.champion.labels, s.challenger.labels));
  return Math.max(total - s.labels, short);
}

function reasonFor(v: AccuracyVerdict, s: DifferenceSnapshot, o: ResolvedAccuracyOptions, needed: number | null): string {
  const level = formatPercent(1 - o.alpha, 0);
  const margin = formatPoints(o.margin).slice(1);
  const facts = `accuracy difference ${formatPoints(v.estimate)} points (always-valid ${level} interval ${formatPoints(v.lower)} to ${formatPoints(v.upper)}) after ${formatCount(v.labels)} labels`;
  switch (v.decision) {
    case 'challenger-better':
      return `challenger is better: ${facts}; the lower bound is above 0`;
    case 'challenger-not-worse':
      return `challenger is not worse than the champion by more than the ${margin}-point margin: ${facts}; the lower bound is above −${margin}${v.upper < 0 ? ' (it is worse, by less than the margin)' : ''}`;
    case 'challenger-worse':
      return o.rule === 'non-inferiority'
        ? `challenger is worse by more than the ${margin}-point margin: ${facts}; the upper bound is below −${margin}; champion kept`
        : `challenger is worse: ${facts}; the upper bound is below 0; champion kept`;
    case 'no-difference-within-margin':
      return `no difference of ${formatPoints(o.minEffect).slice(1)} points or more either way: ${facts}; champion kept`;
    case 'no-decision':
      return `no decision after ${formatCount(v.labels)} labels (the plan's maxLabels is ${formatCount(o.maxLabels)}): ${facts}; champion kept`;
    case 'continue': {
      if (s.labels === 0) return `waiting for the first delayed labels (none yet; at least ${formatCount(o.minLabels)} per arm before any decision)`;
      const effect = o.rule === 'non-inferiority' ? `a margin of ${margin}` : `a difference of ${formatPoints(o.minEffect).slice(1)}`;
      const wait = needed === null || !Number.isFinite(needed)
        ? `the variance so far gives no estimate of how many more labels ${effect} points needs`
        : s.labels + needed > o.maxLabels
          ? `needs about ${formatAbout(needed)} more labels to settle ${effect} points, more than the ${formatCount(o.maxLabels - s.labels)} the plan's maxLabels leaves`
          : `needs about ${formatAbout(needed)} more labels to settle ${effect} points`;
      return `undecided: ${facts}; ${wait}`;
    }
  }
}
