import { explainAccuracy, accuracyVerdict, type AccuracyDecision, type AccuracyVerdict, type DifferenceSnapshot } from './accuracy-decision.js';
import { resolveAccuracyOptions, type AccuracyTestOptions, type ResolvedAccuracyOptions } from './accuracy-test-options.js';
import { mixingRho } from './confidence-sequence.js';
import { checkCount } from './sequential-input.js';
import { openState, SEQUENTIAL_STATE_FORMAT, type SequentialState } from './sequential-state.js';

/** The four outcomes of one delayed label on a text both models answered (shadow). */
export interface PairedCounts {
  readonly bothCorrect: number;
  readonly challengerOnly: number;
  readonly championOnly: number;
  readonly bothWrong: number;
}

const OUTCOMES = ['bothCorrect', 'challengerOnly', 'championOnly', 'bothWrong'] as const;

export type PairedAccuracyState = SequentialState<'paired-accuracy', ResolvedAccuracyOptions, PairedCounts>;

/**
 * Challenger against champion on the same texts: each delayed label gives d = correct(challenger)
 * − correct(champion) in {−1, 0, 1}, and the test follows the running mean of d. Pairing removes
 * the texts both get right or both get wrong from the variance (Var d = share of disagreements −
 * mean²), which is why shadow decides with several times fewer labels than an A/B split.
 * The four counts are sufficient statistics: each label is an O(1) update.
 */
export class PairedAccuracyTest {
  readonly options: ResolvedAccuracyOptions;
  private readonly rho: number;
  private counts: { -readonly [K in keyof PairedCounts]: number } = { bothCorrect: 0, challengerOnly: 0, championOnly: 0, bothWrong: 0 };

  constructor(options: AccuracyTestOptions) {
    this.options = resolveAccuracyOptions('paired', options);
    this.rho = mixingRho(this.options.alpha, this.options.tuningLabels);
  }

  /** One delayed label: was each model's answer right? */
  add(championCorrect: boolean, challengerCorrect: boolean): void {
    const key = championCorrect ? (challengerCorrect ? 'bothCorrect' : 'championOnly') : challengerCorrect ? 'challengerOnly' : 'bothWrong';
    this.counts[key]++;
  }

  /** A batch of labels as counts (missing outcomes are 0); all are checked before any is added. */
  addCounts(batch: Partial<PairedCounts>): void {
    const add = OUTCOMES.map((k) => checkCount(`counts.${k}`, batch[k] ?? 0));
    OUTCOMES.forEach((k, i) => { this.counts[k] += add[i]!; });
  }

  get labels(): number {
    return this.counts.bothCorrect + this.counts.challengerOnly + this.counts.championOnly + this.counts.bothWrong;
  }

  snapshot(): DifferenceSnapshot {
    const { bothCorrect, challengerOnly, championOnly } = this.counts;
    const n = this.labels;
    const estimate = n > 0 ? (challengerOnly - championOnly) / n : 0;
    const variance = n > 0 ? Math.max(0, (challengerOnly + championOnly) / n - estimate * estimate) : 0;
    return {
      estimate, variance, labels: n, priorVariance: 0.25,
      champion: { labels: n, correct: bothCorrect + championOnly },
      challenger: { labels: n, correct: bothCorrect + challengerOnly },
    };
  }

  verdict(): AccuracyVerdict {
    return accuracyVerdict(this.snapshot(), this.options, this.rho);
  }

  decide(): AccuracyDecision {
    return explainAccuracy(this.snapshot(), this.options, this.rho);
  }

  toJSON(): PairedAccuracyState {
    return { format: SEQUENTIAL_STATE_FORMAT, kind: 'paired-accuracy', options: this.options, counts: { ...this.counts } };
  }

  static fromJSON(value: unknown): PairedAccuracyTest {
    const { options, counts } = openState(value, 'paired-accuracy');
    const test = new PairedAccuracyTest(resolveAccuracyOptions('paired', options as AccuracyTestOptions, 'state.options'));
    const restored = OUTCOMES.map((k) => checkCount(`state.counts.${k}`, counts[k]));
    OUTCOMES.forEach((k, i) => { test.counts[k] = restored[i]!; });
    return test;
  }
}
