import type { GatePolicy } from '../pipeline/pipeline-spec.js';
import type { GateResult, GateSource } from './gate-report.js';
import type { ModelAnswers } from './gate-model.js';
import type { GateTextSet } from './gate-texts.js';
import { judgeDifference, pairedAccuracy, pairedBootstrap, weightedAccuracy, weightedMacroF1, type DifferenceInterval, type Verdict } from './paired-tests.js';

export interface ComparisonOptions {
  readonly policy: GatePolicy;
  readonly resamples: number;
  readonly seed: number;
}

export const SOURCE_NAME: Record<GateSource, string> = { golden: 'the golden set', holdout: 'the held-out feedback' };

export const f3 = (x: number): string => x.toFixed(3);
const signed = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;
const plural = (n: number, one: string): string => `${n.toLocaleString('en-US')} ${one}${n === 1 ? '' : one.endsWith('s') ? 'es' : 's'}`;

/**
 * Truth and both models' answers as ids into one class list (the truth's labels, then any label
 * only a model predicts), so models with different label sets are compared on the same footing.
 * A true label a model does not know is simply never predicted by it: counted wrong, recall 0.
 */
function indexAnswers(set: GateTextSet, candidate: ModelAnswers, champion: ModelAnswers): { classes: string[]; truth: Int32Array; candidate: Int32Array; champion: Int32Array } {
  const ids = new Map<string, number>();
  const classes: string[] = [];
  const id = (label: string): number => {
    let i = ids.get(label);
    if (i === undefined) { i = classes.length; ids.set(label, i); classes.push(label); }
    return i;
  };
  const truth = Int32Array.from(set.labels, id);
  return { classes, truth, candidate: Int32Array.from(candidate.labels, id), champion: Int32Array.from(champion.labels, id) };
}

function intervalWords(verdict: Verdict, interval: DifferenceInterval, margin: number, level: string): string {
  const head = `difference ${signed(interval.difference)} (${level} interval ${signed(interval.lower)} to ${signed(interval.upper)})`;
  if (verdict === 'no-worse') return `${head}: the lower bound is at or above -${f3(margin)}, so no worse than the champion beyond the margin`;
  if (verdict === 'worse') return `${head}: worse than the champion beyond the margin of ${f3(margin)} with confidence`;
  return `${head}: the lower bound is below -${f3(margin)}, so these texts cannot rule out that it is worse than the champion beyond the margin`;
}

/** Accuracy, macro-F1 and per-class recall of the candidate against the champion on one text set. */
export function comparisonGates(set: GateTextSet, candidate: ModelAnswers, champion: ModelAnswers, options: ComparisonOptions): GateResult[] {
  const { policy } = options;
  const where = `${SOURCE_NAME[set.source]} (${plural(set.texts.length, 'text')})`;
  const level = `${Math.round((1 - policy.alpha) * 1000) / 10}%`;
  const idx = indexAnswers(set, candidate, champion);
  const bootstrap = { resamples: options.resamples, seed: options.seed, alpha: policy.alpha };

  const candidateCorrect = Uint8Array.from(idx.candidate, (p, i) => (p === idx.truth[i] ? 1 : 0));
  const championCorrect = Uint8Array.from(idx.champion, (p, i) => (p === idx.truth[i] ? 1 : 0));
  const acc = pairedAccuracy(candidateCorrect, championCorrect, policy.alpha);
  const accBoot = pairedBootstrap(idx.candidate, idx.champion, weightedAccuracy(idx.truth), bootstrap);
  const accVerdict = judgeDifference(acc, policy.margin.accuracy);
  const accuracy: GateResult = {
    gate: 'accuracy', source: set.source, passed: accVerdict === 'no-worse', skipped: false,
    reason: `accuracy on ${where}: candidate ${f3(acc.candidateAccuracy)}, champion ${f3(acc.championAccuracy)}; ${intervalWords(accVerdict, acc, policy.margin.accuracy, level)} (exact McNemar on ${plural(acc.candidateOnly + acc.championOnly, 'discordant text')}: ${acc.candidateOnly} won by the candidate, ${acc.championOnly} by the champion, p = ${acc.mcnemarP.toPrecision(2)})`,
    figures: {
      texts: acc.texts, candidate: acc.candidateAccuracy, champion: acc.championAccuracy, difference: acc.difference,
      lower: acc.lower, upper: acc.upper, margin: policy.margin.accuracy, alpha: policy.alpha, verdict: accVerdict,
      candidateOnly: acc.candidateOnly, championOnly: acc.championOnly, mcnemarP: acc.mcnemarP,
      bootstrapLower: accBoot.lower, bootstrapUpper: accBoot.upper, resamples: accBoot.resamples,
    },
  };

  const f1 = pairedBootstrap(idx.candidate, idx.champion, weightedMacroF1(idx.truth, idx.classes.length), bootstrap);
  const f1Verdict = judgeDifference(f1, policy.margin.macroF1);
  const macroF1: GateResult = {
    gate: 'macroF1', source: set.source, passed: f1Verdict === 'no-worse', skipped: false,
    reason: `macro-F1 on ${where}: candidate ${f3(f1.candidate)}, champion ${f3(f1.champion)}; ${intervalWords(f1Verdict, f1, policy.margin.macroF1, level)} (paired bootstrap, ${plural(f1.resamples, 'resample')}, seed ${options.seed})`,
    figures: {
      texts: set.texts.length, candidate: f1.candidate, champion: f1.champion, difference: f1.difference,
      lower: f1.lower, upper: f1.upper, margin: policy.margin.macroF1, alpha: policy.alpha, verdict: f1Verdict,
      resamples: f1.resamples, seed: options.seed,
    },
  };

  return [accuracy, macroF1, classRecallGate(set, idx.classes, idx.truth, candidateCorrect, championCorrect, policy, where)];
}

interface ClassRecall { label: string; support: number; candidateRecall: number; championRecall: number; drop: number }

/**
 * Point recalls per true class, only for classes with at least `minSupport` texts here: a class
 * seen three times can lose a third of its recall by one text, which says nothing.
 */
function classRecallGate(set: GateTextSet, classes: readonly string[], truth: Int32Array, candidateCorrect: Uint8Array, championCorrect: Uint8Array, policy: GatePolicy, where: string): GateResult {
  const { minSupport, maxDrop } = policy.classRecall;
  const support = new Float64Array(classes.length);
  const candidateHits = new Float64Array(classes.length);
  const championHits = new Float64Array(classes.length);
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!;
    support[t]!++;
    candidateHits[t]! += candidateCorrect[i]!;
    championHits[t]! += championCorrect[i]!;
  }
  const checked: ClassRecall[] = [];
  for (let c = 0; c < classes.length; c++) {
    const s = support[c]!;
    if (s === 0 || s < minSupport) continue;
    const candidateRecall = candidateHits[c]! / s;
    const championRecall = championHits[c]! / s;
    checked.push({ label: classes[c]!, support: s, candidateRecall, championRecall, drop: championRecall - candidateRecall });
  }
  checked.sort((a, b) => b.drop - a.drop || (a.label < b.label ? -1 : 1));
  // A tolerance of one part in a billion keeps a drop of exactly maxDrop (e.g. 0.3 - 0.2) a pass.
  const dropped = checked.filter((c) => c.drop > maxDrop + 1e-9);
  const worst = checked[0];
  const scope = `${plural(checked.length, 'class')} with at least ${minSupport} texts`;
  const named = dropped.map((c) => `${c.label} (support ${c.support}: recall ${f3(c.championRecall)} -> ${f3(c.candidateRecall)}, drop ${f3(c.drop)})`);
  const reason = dropped.length > 0
    ? `per-class recall on ${where}: ${dropped.length} of ${scope} lost more than ${f3(maxDrop)} recall against the champion: ${named.join('; ')}`
    : checked.length === 0
      ? `per-class recall on ${where}: no class has at least ${minSupport} texts, so none was checked`
      : `per-class recall on ${where}: no class lost more than ${f3(maxDrop)} recall (${scope} checked; ${worst!.drop > 0 ? `largest drop ${f3(worst!.drop)}, ${worst!.label}` : 'none lost any'})`;
  return {
    gate: 'classRecall', source: set.source, passed: dropped.length === 0, skipped: false, reason,
    figures: {
      minSupport, maxDrop, classesChecked: checked.length,
      dropped: dropped.map((c) => ({ ...c })),
      largestDrop: worst?.drop ?? null, largestDropClass: worst?.label ?? null,
    },
  };
}

/** What a first release (no champion) reports for the comparison gates on one text set. */
export function noChampionGates(set: GateTextSet | null, candidate: ModelAnswers | null): GateResult[] {
  const source = set?.source ?? null;
  const hits = set && candidate ? candidate.labels.reduce((n, l, i) => n + (l === set.labels[i] ? 1 : 0), 0) : null;
  const figures: Record<string, number> = set && hits !== null ? { texts: set.texts.length, candidate: hits / set.texts.length } : { texts: 0 };
  const reason = `no champion to compare with${set ? ` (first release; candidate accuracy ${f3(hits! / set.texts.length)} on ${SOURCE_NAME[set.source]}, ${plural(set.texts.length, 'text')})` : ' (first release)'}`;
  return (['accuracy', 'macroF1', 'classRecall'] as const).map((gate) => ({ gate, source, passed: true, skipped: false, reason, figures }));
}

const GATE_WORDS = { accuracy: 'accuracy', macroF1: 'macro-F1', classRecall: 'per-class recall' } as const;

/** A set too small to judge (a holdout of a few rows): its checks are skipped, named, and pass. */
export function skippedGates(set: GateTextSet, minTexts: number): GateResult[] {
  const n = set.texts.length;
  return (['accuracy', 'macroF1', 'classRecall'] as const).map((gate) => ({
    gate, source: set.source, passed: true, skipped: true,
    reason: `${GATE_WORDS[gate]} on ${SOURCE_NAME[set.source]}: skipped: only ${plural(n, 'row')} (the gates judge a set of at least ${minTexts})`,
    figures: { texts: n, minTexts },
  }));
}
