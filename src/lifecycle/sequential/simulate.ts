import { createRandom, deriveSeed, type Random } from '../../core/random.js';
import { isPromotion, type AccuracyDecisionKind, type AccuracyVerdict } from './accuracy-decision.js';
import type { AccuracyDesign, AccuracyTestOptions } from './accuracy-test-options.js';
import { BinomialSampler } from './binomial-sampler.js';
import { PairedAccuracyTest } from './paired-accuracy-test.js';
import { badField, checkOpenUnit, checkPositiveCount } from './sequential-input.js';
import { UnpairedAccuracyTest } from './unpaired-accuracy-test.js';

/**
 * Simulated experiments for the accuracy test, fed through the real test classes and read after
 * every batch of labels, as the controller does (continuous peeking). Every experiment runs to the
 * plan's maxLabels even after its first decision, so the same run also measures the coverage of the
 * confidence sequence over the whole horizon; the decision an experiment reports is its first one,
 * the one a real release would have acted on.
 */
export interface SimulationScenario {
  readonly name: string;
  readonly design: AccuracyDesign;
  /** True accuracies. A/A: equal; A/B: the challenger's higher by the effect to detect. */
  readonly championAccuracy: number;
  readonly challengerAccuracy: number;
  /**
   * Paired only: the share of texts exactly one model gets right. Default 0.12: two classifiers of
   * about 80% accuracy retrained on overlapping data disagree on roughly 10–15% of texts; it must
   * be at least the accuracy difference.
   */
  readonly disagreement?: number;
  /** Unpaired only: the share of labels on the challenger's arm (the canary weight). Default 0.5. */
  readonly challengerShare?: number;
  readonly options: AccuracyTestOptions;
  readonly experiments: number;
  /** Labels between two reads of the decision. Default 50. */
  readonly batch?: number;
  readonly seed?: number;
}

export interface LabelQuantiles {
  readonly p50: number;
  readonly p80: number;
  readonly p95: number;
}

export interface SimulationSummary {
  readonly name: string;
  readonly design: AccuracyDesign;
  readonly experiments: number;
  readonly trueDifference: number;
  readonly maxLabels: number;
  readonly batch: number;
  /** Share of experiments whose first decision promoted: false promotions under A/A, power under A/B. */
  readonly promotedShare: number;
  readonly decisions: Readonly<Record<AccuracyDecisionKind, number>>;
  /** Labels at each experiment's first decision (maxLabels for `no-decision`). */
  readonly labelsToDecision: LabelQuantiles;
  /** Labels at promotion, Infinity for experiments that did not promote: a finite p80 means at least 80% promoted by then. */
  readonly labelsToPromotion: LabelQuantiles;
  /** Share of experiments whose sequence held the true difference at every read once both arms had minLabels. */
  readonly coverage: number;
}

export function simulateExperiments(s: SimulationScenario): SimulationSummary {
  const experiments = checkPositiveCount('scenario.experiments', s.experiments);
  const batch = checkPositiveCount('scenario.batch', s.batch ?? 50);
  const seed = s.seed ?? 1;
  const source = s.design === 'paired' ? pairedSource(s, batch) : unpairedSource(s, batch);
  const decisions: Record<AccuracyDecisionKind, number> = { 'challenger-better': 0, 'challenger-not-worse': 0, 'challenger-worse': 0, 'no-difference-within-margin': 0, 'no-decision': 0, continue: 0 };
  const toDecision = new Float64Array(experiments);
  const toPromotion = new Float64Array(experiments);
  let covered = 0;
  let maxLabels = 0;
  for (let e = 0; e < experiments; e++) {
    const random = createRandom(deriveSeed(seed, e));
    const test = source.start();
    maxLabels = test.maxLabels;
    const truth = s.challengerAccuracy - s.championAccuracy;
    let first: AccuracyVerdict | undefined;
    let holds = true;
    while (test.labels() < test.maxLabels) {
      test.addBatch(Math.min(batch, test.maxLabels - test.labels()), random);
      const v = test.verdict();
      if (test.settled() && (v.lower > truth || v.upper < truth)) holds = false;
      if (first === undefined && v.decision !== 'continue') first = v;
    }
    const decision = first?.decision ?? 'no-decision';
    decisions[decision]++;
    toDecision[e] = first?.labels ?? test.labels();
    toPromotion[e] = isPromotion(decision) ? first!.labels : Infinity;
    if (holds) covered++;
  }
  return {
    name: s.name, design: s.design, experiments, trueDifference: s.challengerAccuracy - s.championAccuracy, maxLabels, batch,
    promotedShare: (decisions['challenger-better'] + decisions['challenger-not-worse']) / experiments, decisions,
    labelsToDecision: quantiles(toDecision), labelsToPromotion: quantiles(toPromotion), coverage: covered / experiments,
  };
}

/** Inverse of the empirical distribution (the smallest value with at least q of the sample at or below it). */
export function quantiles(values: Float64Array): LabelQuantiles {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return { p50: at(0.5), p80: at(0.8), p95: at(0.95) };
}

interface SimulatedTest {
  readonly maxLabels: number;
  labels(): number;
  settled(): boolean;
  addBatch(size: number, random: Random): void;
  verdict(): AccuracyVerdict;
}

interface TestSource {
  start(): SimulatedTest;
}

function pairedSource(s: SimulationScenario, batch: number): TestSource {
  const pA = checkOpenUnit('scenario.championAccuracy', s.championAccuracy);
  const pB = checkOpenUnit('scenario.challengerAccuracy', s.challengerAccuracy);
  const q = checkOpenUnit('scenario.disagreement', s.disagreement ?? 0.12);
  const delta = pB - pA;
  const championOnly = (q - delta) / 2;
  const bothCorrect = pA - championOnly;
  if (championOnly < 0 || bothCorrect < 0 || bothCorrect + q > 1) {
    throw badField('scenario.disagreement', `cannot hold with accuracies ${pA} and ${pB} (it must be at least their difference and leave room for the texts both get right)`, q);
  }
  const disagree = new BinomialSampler(q, batch);
  const challengerWins = new BinomialSampler((q + delta) / 2 / q, batch);
  const bothRight = new BinomialSampler(bothCorrect / (1 - q), batch);
  return {
    start() {
      const test = new PairedAccuracyTest(s.options);
      const minLabels = test.options.minLabels;
      return {
        maxLabels: test.options.maxLabels,
        labels: () => test.labels,
        settled: () => test.labels >= minLabels,
        verdict: () => test.verdict(),
        addBatch(size, random) {
          const d = disagree.draw(size, random.next());
          const challengerOnly = challengerWins.draw(d, random.next());
          const both = bothRight.draw(size - d, random.next());
          test.addCounts({ bothCorrect: both, challengerOnly, championOnly: d - challengerOnly, bothWrong: size - d - both });
        },
      };
    },
  };
}

function unpairedSource(s: SimulationScenario, batch: number): TestSource {
  const champion = new BinomialSampler(checkOpenUnit('scenario.championAccuracy', s.championAccuracy), batch);
  const challenger = new BinomialSampler(checkOpenUnit('scenario.challengerAccuracy', s.challengerAccuracy), batch);
  const split = new BinomialSampler(checkOpenUnit('scenario.challengerShare', s.challengerShare ?? 0.5), batch);
  return {
    start() {
      const test = new UnpairedAccuracyTest(s.options);
      const minLabels = test.options.minLabels;
      return {
        maxLabels: test.options.maxLabels,
        labels: () => test.labels,
        settled: () => { const n = test.snapshot(); return Math.min(n.champion.labels, n.challenger.labels) >= minLabels; },
        verdict: () => test.verdict(),
        addBatch(size, random) {
          const nB = split.draw(size, random.next());
          const nA = size - nB;
          test.addCounts({ champion: { labels: nA, correct: champion.draw(nA, random.next()) }, challenger: { labels: nB, correct: challenger.draw(nB, random.next()) } });
        },
      };
    },
  };
}
