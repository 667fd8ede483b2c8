import type { StoredThresholds, Top1Calibration } from '../core/confidence-meta.js';
import type { Classifier } from '../models/classifier.js';
import { calibrateTop1, withStoredCalibration } from '../models/top1-calibration.js';
import { fitTop1Calibration } from './fit-top1-calibration.js';
import { classFrequencyWeights, fitStoredThresholds } from './stored-thresholds.js';

export interface ConfidenceFit {
  /** The trained classifier with the calibration applied, as the artifact will serve it. */
  readonly classifier: Classifier;
  /** The validation probabilities after calibration (a new array). */
  readonly proba: Float32Array;
  readonly calibration: Top1Calibration | undefined;
  readonly thresholds: StoredThresholds;
}

/**
 * Rows that stand for traffic (training/traffic-rows.ts): 1 per validation row that is traffic, and
 * the training side's traffic labels, which the thresholds' class weights follow.
 */
export interface TrafficValidation {
  readonly validRows: Uint8Array;
  readonly trainY: Int32Array;
}

/**
 * The training step after the weights: on the validation part, fit the top-1 calibration, then the
 * auto-classification thresholds on the calibrated confidences, both weighted to the training
 * class mix (trainY: the training rows before any up-sampling). With `traffic`, the thresholds are
 * fitted on its rows only (they must hold on traffic, as the decide-or-route ones); the calibration
 * still learns from every validation row, which only orders and rescales scores and wants rows.
 */
export function fitConfidence(classifier: Classifier, validProba: Float32Array, validY: Int32Array, trainY: Int32Array, traffic?: TrafficValidation): ConfidenceFit {
  const classes = classifier.labels.length;
  const weights = classFrequencyWeights(trainY, validY, classes);
  const calibration = fitTop1Calibration(validProba, validY, classes, weights);
  const proba = validProba.slice();
  if (calibration) calibrateTop1(calibration, proba, classes);
  const confidence = new Float32Array(validY.length);
  const correct = new Uint8Array(validY.length);
  for (let r = 0; r < validY.length; r++) {
    let top = 0;
    for (let c = 1; c < classes; c++) if (proba[r * classes + c]! > proba[r * classes + top]!) top = c;
    confidence[r] = proba[r * classes + top]!;
    correct[r] = top === validY[r] ? 1 : 0;
  }
  const thresholds = traffic ? trafficThresholds(confidence, correct, validY, classes, traffic) : fitStoredThresholds(confidence, correct, { weights });
  return { classifier: withStoredCalibration(classifier, calibration), proba, calibration, thresholds };
}

function trafficThresholds(confidence: Float32Array, correct: Uint8Array, validY: Int32Array, classes: number, traffic: TrafficValidation): StoredThresholds {
  const keep: number[] = [];
  traffic.validRows.forEach((t, r) => { if (t === 1) keep.push(r); });
  const y = Int32Array.from(keep, (r) => validY[r]!);
  return fitStoredThresholds(Float32Array.from(keep, (r) => confidence[r]!), Uint8Array.from(keep, (r) => correct[r]!),
    { weights: classFrequencyWeights(traffic.trainY, y, classes) });
}

/** Headline figures for the artifact's metrics (and so the registry): threshold and expected automation per target. */
export function thresholdMetrics(t: StoredThresholds): Record<string, number> {
  const m: Record<string, number> = {};
  for (const p of t.points) {
    if (p.threshold === null) continue;
    const pct = Math.round(p.target * 100);
    m[`autoThreshold${pct}`] = p.threshold;
    m[`expectedAutomation${pct}`] = p.validCoverage;
  }
  return m;
}
