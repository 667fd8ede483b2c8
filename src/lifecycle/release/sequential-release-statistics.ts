import type { ReleasePlan } from '../pipeline/pipeline-spec.js';
import type { AccuracyDecision } from '../sequential/accuracy-decision.js';
import { PairedAccuracyTest } from '../sequential/paired-accuracy-test.js';
import { UnpairedAccuracyTest } from '../sequential/unpaired-accuracy-test.js';
import { rateAgainstLimit } from './rate-within-limit.js';
import type { LabelEvidence } from './release-evidence.js';
import type { AccuracyVerdict, RateVerdict, ReleaseStatistics } from './release-statistics.js';

/**
 * The release decision's statistics on lifecycle/sequential's always-valid confidence sequences.
 * A release sees two kinds of labels: paired ones (texts both models answered, from a shadow step)
 * and unpaired ones (texts only one answered, from canary and blue/green steps). Each feeds its own
 * test at α/2 (Bonferroni), so reading either after every tick keeps the release's overall false
 * decision rate at α. Either test saying "worse" rolls back; either saying "better" promotes
 * (paired is read first: it needs several times fewer labels); the champion is kept when every
 * test that has labels stopped without a promotion.
 */
export class SequentialReleaseStatistics implements ReleaseStatistics {
  accuracy(labels: LabelEvidence, plan: Pick<ReleasePlan, 'alpha' | 'minEffect' | 'maxLabels'>): AccuracyVerdict {
    const options = { alpha: plan.alpha / 2, minEffect: plan.minEffect, maxLabels: plan.maxLabels };
    const paired = new PairedAccuracyTest(options);
    const p = labels.paired;
    paired.addCounts({ bothCorrect: p.bothRight, championOnly: p.championOnly, challengerOnly: p.challengerOnly, bothWrong: p.n - p.bothRight - p.championOnly - p.challengerOnly });
    const unpaired = new UnpairedAccuracyTest(options);
    unpaired.addCounts({ champion: { labels: labels.champion.n, correct: labels.champion.right }, challenger: { labels: labels.challenger.n, correct: labels.challenger.right } });
    const tests = [paired.decide(), unpaired.decide()];
    const worse = tests.find((t) => t.decision === 'challenger-worse');
    if (worse) return verdict('worse', worse);
    const better = tests.find((t) => t.promote);
    if (better) return verdict('better', better);
    const used = tests.filter((t) => t.labels > 0);
    if (used.length > 0 && used.every((t) => t.stop)) return verdict('keep-champion', used[0]!);
    // Undecided: show the test nearer to a decision (the one with more labels).
    const lead = tests[0]!.labels >= tests[1]!.labels ? tests[0]! : tests[1]!;
    return verdict('continue', lead);
  }

  rate(events: number, trials: number, limit: number, alpha: number): RateVerdict {
    return rateAgainstLimit(events, trials, limit, alpha);
  }
}

function verdict(decision: AccuracyVerdict['decision'], d: AccuracyDecision): AccuracyVerdict {
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  return {
    decision, reason: d.reason, labels: d.labels, labelsNeeded: d.labelsNeededEstimate,
    estimate: d.labels > 0 ? d.estimate : null, lower: finite(d.lower), upper: finite(d.upper),
  };
}
