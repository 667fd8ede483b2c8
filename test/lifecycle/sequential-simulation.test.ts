import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simulateExperiments, type SimulationScenario } from '../../src/lifecycle/sequential/simulate.js';
import { inputErrorField } from './sequential-helpers.js';

/**
 * The promises, checked by simulation with the decision read after every batch of 50
 * labels (continuous peeking), each experiment run to the plan's maxLabels:
 * - among 1,000 A/A experiments (true accuracy 0.79 for both) at α = 0.05, at most 5% promote;
 * - a challenger truly 2 points better (0.81) is promoted within the documented labels in at least
 *   80% of 1,000 experiments: PAIRED (shadow; the models disagree on 12% of texts) within 4,500
 *   labels; UNPAIRED (a 50/50 A/B split) within 22,000 labels (11,000 per arm). Over seeds 1–8,
 *   80% were promoted by 3,850–4,200 labels paired and 19,250–21,400 unpaired, false promotions
 *   were 0.9–1.9% and coverage 96–98% (`npm run bench:lifecycle` prints the table);
 * - the confidence sequence holds the true difference at every read in at least 95% of runs.
 * The default tuning (N* from minEffect) is what the plan gets; nothing is tuned to these seeds.
 */
const plan = { alpha: 0.05, minEffect: 0.02 };
const PAIRED_PROMOTION_LABELS = 4500;
const UNPAIRED_PROMOTION_LABELS = 22_000;

function scenario(design: 'paired' | 'unpaired', challengerAccuracy: number): SimulationScenario {
  const maxLabels = design === 'paired' ? 20_000 : 60_000;
  return { name: `${design} ${challengerAccuracy}`, design, championAccuracy: 0.79, challengerAccuracy, experiments: 1000, batch: 50, seed: 11, options: { ...plan, maxLabels } };
}

for (const design of ['paired', 'unpaired'] as const) {
  test(`${design} A/A: at most 5% of 1,000 continuously peeked experiments promote; the sequence covers 0`, () => {
    const r = simulateExperiments(scenario(design, 0.79));
    assert.equal(r.experiments, 1000);
    assert.ok(r.promotedShare <= 0.05, `false promotions ${r.promotedShare}`);
    // Both directions together are bounded by alpha too: a two-sided sequence.
    assert.ok((r.decisions['challenger-better'] + r.decisions['challenger-worse']) / 1000 <= 0.05, JSON.stringify(r.decisions));
    assert.ok(r.coverage >= 0.95, `coverage ${r.coverage}`);
    // Most A/A runs end by finding no difference worth having, not by running out of labels.
    assert.ok(r.decisions['no-difference-within-margin'] >= 900, JSON.stringify(r.decisions));
  });

  test(`${design} A/B (+2 points): promoted in at least 80% of 1,000 experiments within the documented labels`, () => {
    const r = simulateExperiments(scenario(design, 0.81));
    const limit = design === 'paired' ? PAIRED_PROMOTION_LABELS : UNPAIRED_PROMOTION_LABELS;
    assert.ok(r.labelsToPromotion.p80 <= limit, `80% promoted by ${r.labelsToPromotion.p80} labels, documented ${limit}`);
    assert.ok(r.promotedShare >= 0.8, `power ${r.promotedShare}`);
    assert.equal(r.decisions['challenger-worse'], 0);
    assert.ok(r.coverage >= 0.95, `coverage ${r.coverage}`);
    assert.ok(r.labelsToPromotion.p50 <= r.labelsToPromotion.p80 && r.labelsToPromotion.p80 <= r.labelsToPromotion.p95);
  });
}

test('non-inferiority: a challenger exactly the margin worse is promoted in at most 5% of 1,000 peeked experiments', () => {
  const atMargin = simulateExperiments({ ...scenario('paired', 0.77), options: { ...plan, maxLabels: 20_000, rule: 'non-inferiority', margin: 0.02 } });
  assert.ok(atMargin.promotedShare <= 0.05, `false promotions ${atMargin.promotedShare}`);
  const withinMargin = simulateExperiments({ ...scenario('paired', 0.78), experiments: 200, options: { ...plan, maxLabels: 20_000, rule: 'non-inferiority', margin: 0.02 } });
  assert.ok(withinMargin.promotedShare >= 0.8, `promoted ${withinMargin.promotedShare}`);
});

test('pairing pays: the same +2 points takes several times fewer labels in shadow than in an A/B split', () => {
  const paired = simulateExperiments({ ...scenario('paired', 0.81), experiments: 300 });
  const unpaired = simulateExperiments({ ...scenario('unpaired', 0.81), experiments: 300 });
  assert.ok(unpaired.labelsToPromotion.p50 > 3 * paired.labelsToPromotion.p50, `${paired.labelsToPromotion.p50} vs ${unpaired.labelsToPromotion.p50}`);
});

test('a worse challenger is stopped, and a 10% canary needs more labels than an even split', () => {
  const worse = simulateExperiments({ ...scenario('paired', 0.76), experiments: 200 });
  assert.ok(worse.decisions['challenger-worse'] >= 190, JSON.stringify(worse.decisions));
  const even = simulateExperiments({ ...scenario('unpaired', 0.85), experiments: 200 });
  const canary = simulateExperiments({ ...scenario('unpaired', 0.85), experiments: 200, challengerShare: 0.1 });
  // The difference's variance grows as 1 / (share × (1 − share)): 2.8 times at 10% against 50%.
  assert.ok(canary.labelsToPromotion.p50 > 1.5 * even.labelsToPromotion.p50, `${even.labelsToPromotion.p50} vs ${canary.labelsToPromotion.p50}`);
});

test('simulations are reproducible from their seed', () => {
  const a = simulateExperiments({ ...scenario('paired', 0.81), experiments: 50 });
  const b = simulateExperiments({ ...scenario('paired', 0.81), experiments: 50 });
  const c = simulateExperiments({ ...scenario('paired', 0.81), experiments: 50, seed: 12 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.labelsToDecision, c.labelsToDecision);
});

test('an impossible scenario is an InputError naming the field', () => {
  assert.equal(inputErrorField(() => simulateExperiments({ ...scenario('paired', 0.81), disagreement: 0.01 })), 'scenario.disagreement');
  assert.equal(inputErrorField(() => simulateExperiments({ ...scenario('unpaired', 0.81), challengerShare: 1 })), 'scenario.challengerShare');
  assert.equal(inputErrorField(() => simulateExperiments({ ...scenario('unpaired', 0.81), experiments: 0 })), 'scenario.experiments');
});
