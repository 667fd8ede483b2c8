import { accuracyVerdict, explainAccuracy, type AccuracyDecision, type AccuracyVerdict, type ArmAccuracy, type DifferenceSnapshot } from './accuracy-decision.js';
import { resolveAccuracyOptions, type AccuracyTestOptions, type ResolvedAccuracyOptions } from './accuracy-test-options.js';
import { mixingRho } from './confidence-sequence.js';
import { asRecord, checkCount, checkPart } from './sequential-input.js';
import { openState, SEQUENTIAL_STATE_FORMAT, type SequentialState } from './sequential-state.js';
import { proportionDifference } from './two-proportions.js';

export type Arm = 'champion' | 'challenger';

export interface UnpairedCounts {
  readonly champion: ArmAccuracy;
  readonly challenger: ArmAccuracy;
}

export type UnpairedAccuracyState = SequentialState<'unpaired-accuracy', ResolvedAccuracyOptions, UnpairedCounts>;

const ARMS = ['champion', 'challenger'] as const;

/**
 * Challenger against champion when each labelled text was answered by one of them (canary, A/B):
 * the difference of the two arms' accuracies. Unpaired, both arms' disagreement-free texts add
 * variance, so it needs several times the labels of a paired (shadow) comparison; and a 5% canary
 * needs far more again, since the challenger's few labels bound the interval.
 */
export class UnpairedAccuracyTest {
  readonly options: ResolvedAccuracyOptions;
  private readonly rho: number;
  private readonly counts = { champion: { labels: 0, correct: 0 }, challenger: { labels: 0, correct: 0 } };

  constructor(options: AccuracyTestOptions) {
    this.options = resolveAccuracyOptions('unpaired', options);
    this.rho = mixingRho(this.options.alpha, this.options.tuningLabels);
  }

  /** One delayed label on a text `arm` answered. */
  add(arm: Arm, correct: boolean): void {
    const a = this.counts[arm];
    a.labels++;
    if (correct) a.correct++;
  }

  /** A batch per arm (an arm left out adds nothing); all are checked before any is added. */
  addCounts(batch: Partial<UnpairedCounts>): void {
    const add = ARMS.map((arm) => readArm(`counts.${arm}`, batch[arm] ?? { labels: 0, correct: 0 }));
    ARMS.forEach((arm, i) => {
      this.counts[arm].labels += add[i]!.labels;
      this.counts[arm].correct += add[i]!.correct;
    });
  }

  get labels(): number {
    return this.counts.champion.labels + this.counts.challenger.labels;
  }

  snapshot(): DifferenceSnapshot {
    const { champion: a, challenger: b } = this.counts;
    const d = proportionDifference(a.labels, a.correct, b.labels, b.correct);
    // Prior for the projection: Bernoulli variance at most 1/4 per arm, half the labels in each.
    return { estimate: d.estimate, variance: d.variance, labels: d.observations, priorVariance: 1, champion: { ...a }, challenger: { ...b } };
  }

  verdict(): AccuracyVerdict {
    return accuracyVerdict(this.snapshot(), this.options, this.rho);
  }

  decide(): AccuracyDecision {
    return explainAccuracy(this.snapshot(), this.options, this.rho);
  }

  toJSON(): UnpairedAccuracyState {
    return { format: SEQUENTIAL_STATE_FORMAT, kind: 'unpaired-accuracy', options: this.options, counts: { champion: { ...this.counts.champion }, challenger: { ...this.counts.challenger } } };
  }

  static fromJSON(value: unknown): UnpairedAccuracyTest {
    const { options, counts } = openState(value, 'unpaired-accuracy');
    const test = new UnpairedAccuracyTest(resolveAccuracyOptions('unpaired', options as AccuracyTestOptions, 'state.options'));
    const restored = ARMS.map((arm) => readArm(`state.counts.${arm}`, counts[arm]));
    ARMS.forEach((arm, i) => { Object.assign(test.counts[arm], restored[i]); });
    return test;
  }
}

function readArm(field: string, value: unknown): ArmAccuracy {
  const o = asRecord(field, value);
  const labels = checkCount(`${field}.labels`, o['labels']);
  return { labels, correct: checkPart(`${field}.correct`, o['correct'], `${field}.labels`, labels) };
}
