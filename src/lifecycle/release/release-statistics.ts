import type { ReleasePlan } from '../pipeline/pipeline-spec.js';
import type { LabelEvidence } from './release-evidence.js';

/** What the accuracy test says after the labels seen so far. */
export interface AccuracyVerdict {
  /** better: promote; worse: roll back; keep-champion: the test stopped without promoting (no difference that matters, or maxLabels). */
  readonly decision: 'better' | 'worse' | 'keep-champion' | 'continue';
  /** The test's own sentence: the figures, the interval, what it waits for ("needs about 1,200 more labels"). */
  readonly reason: string;
  /** Challenger minus champion accuracy, and its always-valid interval. */
  readonly estimate: number | null;
  readonly lower: number | null;
  readonly upper: number | null;
  readonly labels: number;
  /** Roughly how many more labels a decision needs at the plan's minimum effect (null once decided, or with no data). */
  readonly labelsNeeded: number | null;
}

/** A rate against a limit (the share of answers slower than the p99 budget against 1%). */
export type RateVerdict = 'above' | 'below' | 'continue';

/**
 * The sequential tests the release decision reads, behind one seam so the decision logic is
 * independent of which always-valid test (lifecycle/sequential/) computes them.
 */
export interface ReleaseStatistics {
  accuracy(labels: LabelEvidence, plan: Pick<ReleasePlan, 'alpha' | 'minEffect' | 'maxLabels'>): AccuracyVerdict;
  rate(events: number, trials: number, limit: number, alpha: number): RateVerdict;
}
