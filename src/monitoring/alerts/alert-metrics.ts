import type { AccuracyEstimate } from '../accuracy/accuracy-estimator.js';
import type { AccuracySummary } from '../accuracy/real-accuracy.js';

/**
 * The normalised metrics the default rules watch, computed from the detectors' and estimators'
 * results, so that a rule's threshold is one number whatever the test's own scale.
 */

/** A drift test result: its value and the threshold its verdict used. */
export interface DriftTestValue {
  readonly value: number;
  readonly threshold: number;
  /** 'domain-classifier' measures from AUC 0.5 (a coin flip), the others from 0. */
  readonly kind?: string | undefined;
  /** Where the test's "no drift" lies; overrides the kind's. */
  readonly baseline?: number | undefined;
}

/** max over tests of (value − baseline) / (threshold − baseline): 1 at the threshold, above 1 a drift verdict; 0 with no tests. */
export function driftScore(tests: readonly DriftTestValue[]): number {
  let score = 0;
  for (const t of tests) {
    const base = t.baseline ?? (t.kind === 'domain-classifier' ? 0.5 : 0);
    const span = t.threshold - base;
    if (!(span > 0) || !Number.isFinite(t.value)) continue;
    score = Math.max(score, (t.value - base) / span);
  }
  return score;
}

/** (reference mean − estimated) / (reference mean − band lower): 0 at the mean, 1 at the lower bound; NaN for an empty window (ignored by the evaluator). */
export function estimatedAccuracyDrop(estimate: Pick<AccuracyEstimate, 'estimated' | 'mean' | 'lower'>): number {
  if (estimate.estimated === null) return Number.NaN;
  const span = estimate.mean - estimate.lower;
  const fall = estimate.mean - estimate.estimated;
  if (!(span > 0)) return fall > 0 ? Number.POSITIVE_INFINITY : 0;
  return fall / span;
}

/** Validation accuracy − real accuracy, with the label count as samples (for the rule's minSamples). */
export function realAccuracyDrop(validationAccuracy: number, real: Pick<AccuracySummary, 'accuracy' | 'labelled'>): { value: number; samples: number } {
  return { value: real.accuracy === null ? Number.NaN : validationAccuracy - real.accuracy, samples: real.labelled };
}
