import { InputError } from '../../core/errors.js';
import { createRandom } from '../../core/random.js';
import { clopperPearson, mcnemarExactP } from './binomial.js';

/**
 * Paired comparisons of a candidate and a champion that answered the SAME texts. Pairing matters:
 * two models that agree on 95% of texts differ far less by chance than two independent samples of
 * the same size would, so the test can be tight where comparing two point figures would be noise.
 *
 * THE RULE every comparison gate applies (a non-inferiority test): with `diff` = candidate minus
 * champion and [lower, upper] its two-sided (1 - alpha) interval, the gate
 *   - passes when lower >= -margin: with confidence 1 - alpha/2 the candidate is no worse than the
 *     champion by more than the margin (GatePolicy: "worse by at most this much, with confidence");
 *   - fails as "worse" when upper < -margin: worse beyond the margin with confidence;
 *   - fails as "not shown" when lower < -margin <= upper: the texts cannot rule out that it is
 *     worse beyond the margin. The burden of proof is on the candidate, so too few texts (or too
 *     many disagreements for their number) stop a release rather than let an unproven model in.
 */
export interface DifferenceInterval {
  /** Candidate minus champion on all texts. */
  readonly difference: number;
  readonly lower: number;
  readonly upper: number;
}

export type Verdict = 'no-worse' | 'worse' | 'not-shown';

export function judgeDifference(interval: DifferenceInterval, margin: number): Verdict {
  if (interval.lower >= -margin) return 'no-worse';
  return interval.upper < -margin ? 'worse' : 'not-shown';
}

export interface PairedAccuracy extends DifferenceInterval {
  readonly texts: number;
  readonly candidateAccuracy: number;
  readonly championAccuracy: number;
  /** Texts only the candidate got right, and only the champion: McNemar's discordant pairs. */
  readonly candidateOnly: number;
  readonly championOnly: number;
  /** McNemar's exact two-sided p-value for "equally accurate". */
  readonly mcnemarP: number;
}

/**
 * Accuracy difference with an exact interval from McNemar's discordant pairs. Given d discordant
 * texts, the number the candidate won is Binomial(d, pi), and the accuracy difference is
 * d * (2 pi - 1) / n; the Clopper-Pearson interval of pi becomes an interval of the difference
 * (conditional on d, exact for any count, [0, 0] when the two never disagree). Concordant texts
 * cannot move the difference, which is why a paired test needs so few of the disagreements.
 */
export function pairedAccuracy(candidateCorrect: Uint8Array, championCorrect: Uint8Array, alpha: number): PairedAccuracy {
  const n = candidateCorrect.length;
  if (championCorrect.length !== n) {
    throw new InputError('gate-unpaired', `the candidate answered ${n} texts and the champion ${championCorrect.length}; a paired test needs the same texts`, { candidate: n, champion: championCorrect.length });
  }
  if (n === 0) throw new InputError('gate-no-texts', 'a paired accuracy test needs at least one text', {});
  let candidateHits = 0;
  let championHits = 0;
  let candidateOnly = 0;
  let championOnly = 0;
  for (let i = 0; i < n; i++) {
    const a = candidateCorrect[i]!;
    const b = championCorrect[i]!;
    candidateHits += a;
    championHits += b;
    if (a > b) candidateOnly++;
    else if (b > a) championOnly++;
  }
  const d = candidateOnly + championOnly;
  const pi = clopperPearson(candidateOnly, d, alpha);
  return {
    texts: n,
    candidateAccuracy: candidateHits / n,
    championAccuracy: championHits / n,
    difference: (candidateHits - championHits) / n,
    lower: d === 0 ? 0 : (d * (2 * pi.lower - 1)) / n,
    upper: d === 0 ? 0 : (d * (2 * pi.upper - 1)) / n,
    candidateOnly, championOnly,
    mcnemarP: mcnemarExactP(candidateOnly, championOnly),
  };
}

/** A metric of one model's answers under bootstrap weights (how many times each text was drawn). */
export type WeightedMetric = (predicted: Int32Array, weights: Uint32Array) => number;

export interface BootstrapOptions {
  readonly resamples: number;
  readonly seed: number;
  readonly alpha: number;
}

export interface BootstrapInterval extends DifferenceInterval {
  readonly candidate: number;
  readonly champion: number;
  readonly resamples: number;
}

/**
 * Paired bootstrap: each resample draws n texts with replacement, the SAME draw for both models,
 * and records metric(candidate) - metric(champion). The interval is the percentile interval (the
 * floor(R alpha/2)-th and the mirror order statistic of the R sorted differences). Seeded, so a
 * gate decides the same way every time it is run on the same answers.
 */
export function pairedBootstrap(candidate: Int32Array, champion: Int32Array, metric: WeightedMetric, options: BootstrapOptions): BootstrapInterval {
  const n = candidate.length;
  if (champion.length !== n) {
    throw new InputError('gate-unpaired', `the candidate answered ${n} texts and the champion ${champion.length}; a paired test needs the same texts`, { candidate: n, champion: champion.length });
  }
  if (!(Number.isInteger(options.resamples) && options.resamples >= 10)) {
    throw new InputError('gate-bad-resamples', `bootstrap resamples must be an integer of at least 10, got ${options.resamples}`, { resamples: options.resamples });
  }
  const ones = new Uint32Array(n).fill(1);
  const candidateValue = metric(candidate, ones);
  const championValue = metric(champion, ones);
  const random = createRandom(options.seed);
  const weights = new Uint32Array(n);
  const diffs = new Float64Array(options.resamples);
  for (let r = 0; r < options.resamples; r++) {
    weights.fill(0);
    for (let i = 0; i < n; i++) weights[random.int(n)]!++;
    diffs[r] = metric(candidate, weights) - metric(champion, weights);
  }
  diffs.sort();
  const cut = Math.floor((options.resamples * options.alpha) / 2);
  return {
    candidate: candidateValue, champion: championValue, difference: candidateValue - championValue,
    lower: diffs[cut]!, upper: diffs[options.resamples - 1 - cut]!, resamples: options.resamples,
  };
}

/**
 * Macro-F1 under weights, as scikit-learn and src/training/confusion.ts define it: the mean F1
 * over the classes present in the truth or the predictions (of the drawn texts), precision 0 for a
 * class never predicted. Not a per-text mean, which is why it needs the bootstrap.
 */
export function weightedMacroF1(truth: Int32Array, classes: number): WeightedMetric {
  const tp = new Float64Array(classes);
  const support = new Float64Array(classes);
  const predictedCount = new Float64Array(classes);
  return (predicted, weights) => {
    tp.fill(0);
    support.fill(0);
    predictedCount.fill(0);
    for (let i = 0; i < truth.length; i++) {
      const w = weights[i]!;
      if (w === 0) continue;
      const t = truth[i]!;
      const p = predicted[i]!;
      support[t]! += w;
      predictedCount[p]! += w;
      if (t === p) tp[t]! += w;
    }
    let sum = 0;
    let present = 0;
    for (let c = 0; c < classes; c++) {
      const s = support[c]!;
      const q = predictedCount[c]!;
      if (s === 0 && q === 0) continue;
      present++;
      const precision = q > 0 ? tp[c]! / q : 0;
      const recall = s > 0 ? tp[c]! / s : 0;
      if (precision + recall > 0) sum += (2 * precision * recall) / (precision + recall);
    }
    return present > 0 ? sum / present : 0;
  };
}

/** Accuracy under weights, for the bootstrap cross-check of the exact accuracy interval. */
export function weightedAccuracy(truth: Int32Array): WeightedMetric {
  return (predicted, weights) => {
    let hits = 0;
    let total = 0;
    for (let i = 0; i < truth.length; i++) {
      const w = weights[i]!;
      total += w;
      if (predicted[i] === truth[i]) hits += w;
    }
    return total > 0 ? hits / total : 0;
  };
}
