import type { AccuracyCalibrator } from './accuracy-estimator.js';
import type { JoinedFeedback } from './real-accuracy.js';
import { wilsonInterval, Z_95, type ProportionInterval } from './wilson-interval.js';

/**
 * How good the label-free estimate (CBPE) was, measured where it can be: on the predictions that
 * got a label, the estimate from their top scores beside the accuracy their labels show. Both
 * figures are over the same predictions, so the difference is the estimator's error and not a
 * difference of windows (the window's estimate covers unlabelled predictions too, and labels arrive
 * for some kinds of text sooner than for others). The real accuracy carries its Wilson interval:
 * with 40 labels an error of 0.05 is within the labels' own noise.
 */
export interface EstimateVersusReal {
  /** Labelled predictions compared (one label each: the latest). */
  readonly labelled: number;
  /** Mean calibrated top score of those predictions. */
  readonly estimated: number;
  /** Share of them whose label equals the predicted label. */
  readonly real: number;
  /** Wilson interval (95% unless told) of the real accuracy. */
  readonly interval: ProportionInterval;
  /** estimated − real: positive when the estimate was optimistic. */
  readonly error: number;
  /** The estimate lies inside the real accuracy's interval. */
  readonly withinRealInterval: boolean;
}

/** Null when none of the predictions is labelled. Scores are read as Float32, as the window's estimate reads them. */
export function estimateVersusReal(calibrator: AccuracyCalibrator, labelled: readonly JoinedFeedback[], z = Z_95): EstimateVersusReal | null {
  const n = labelled.length;
  if (n === 0) return null;
  let sum = 0;
  let correct = 0;
  for (const f of labelled) {
    sum += calibrator.calibrate(Math.fround(f.prediction.score));
    if (f.label === f.prediction.label) correct++;
  }
  const estimated = sum / n;
  const real = correct / n;
  const interval = wilsonInterval(correct, n, z);
  return { labelled: n, estimated, real, interval, error: estimated - real, withinRealInterval: estimated >= interval.lower && estimated <= interval.upper };
}
