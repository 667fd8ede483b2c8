import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accuracyOptionsFromPlan, defaultTuningLabels } from '../../src/lifecycle/sequential/accuracy-test-options.js';
import { halfWidth, mixingRho, observationsForHalfWidth } from '../../src/lifecycle/sequential/confidence-sequence.js';
import { PairedAccuracyTest } from '../../src/lifecycle/sequential/paired-accuracy-test.js';
import { UnpairedAccuracyTest } from '../../src/lifecycle/sequential/unpaired-accuracy-test.js';
import { inputErrorField } from './sequential-helpers.js';

const plan = { alpha: 0.05, minEffect: 0.02, maxLabels: 20_000 };

test('the interval is the Waudby-Smith asymptotic confidence sequence, tightest at the tuning labels', () => {
  const alpha = 0.05;
  const rho = mixingRho(alpha, 5000);
  // eq. 161: rho² = (−2 ln α + ln(−2 ln α + 1)) / N*
  assert.ok(Math.abs(rho * rho * 5000 - (-2 * Math.log(alpha) + Math.log(-2 * Math.log(alpha) + 1))) < 1e-12);
  const n = 3000;
  const expected = 0.3 * Math.sqrt((2 * (n * rho * rho + 1)) / (n * n * rho * rho) * Math.log(Math.sqrt(n * rho * rho + 1) / alpha));
  assert.ok(Math.abs(halfWidth(0.09, n, alpha, rho) - expected) < 1e-15);
  // Scaled by sqrt(n), the width is smallest near N* (flat around it).
  const scaled = (m: number) => halfWidth(1, m, alpha, rho) * Math.sqrt(m);
  assert.ok(scaled(5000) < scaled(2000) && scaled(5000) < scaled(12_000));
  assert.ok(scaled(5000 / 3) < scaled(5000) * 1.1 && scaled(5000 * 3) < scaled(5000) * 1.1);
  // The labels a half-width needs is the first n that reaches it.
  const m = observationsForHalfWidth(0.1, 0.02, alpha, rho);
  assert.ok(halfWidth(0.1, m, alpha, rho) <= 0.02 && halfWidth(0.1, m - 1, alpha, rho) > 0.02);
  assert.equal(defaultTuningLabels('paired', 0.05, 0.02), 4906);
});

test('paired: a clear challenger is promoted; the decision carries its numbers and a reason', () => {
  const t = new PairedAccuracyTest(plan);
  t.addCounts({ bothCorrect: 3500, challengerOnly: 350, championOnly: 250, bothWrong: 900 });
  const d = t.decide();
  assert.equal(d.decision, 'challenger-better');
  assert.equal(d.promote, true);
  assert.equal(d.stop, true);
  assert.deepEqual(d.n, { champion: 5000, challenger: 5000 });
  assert.ok(Math.abs(d.estimate - 0.02) < 1e-12);
  assert.ok(d.lower > 0 && d.lower < d.estimate && d.upper > d.estimate);
  assert.equal(d.accuracy.champion, 0.75);
  assert.equal(d.accuracy.challenger, 0.77);
  assert.equal(d.labelsNeededEstimate, 0);
  assert.match(d.reason, /^challenger is better: accuracy difference \+2\.0 points \(always-valid 95% interval \+0\.\d to \+3\.\d\) after 5,000 labels/);
});

test('paired: undecided says how many more labels it needs; the estimate is what the sequence then shows', () => {
  const t = new PairedAccuracyTest(plan);
  t.addCounts({ bothCorrect: 700, challengerOnly: 65, championOnly: 55, bothWrong: 180 });
  const d = t.decide();
  assert.equal(d.decision, 'continue');
  assert.equal(d.stop, false);
  assert.ok(d.labelsNeededEstimate !== null && d.labelsNeededEstimate > 500 && d.labelsNeededEstimate < 5000, String(d.labelsNeededEstimate));
  assert.match(d.reason, /^undecided: .* after 1,000 labels; needs about [\d,]+ more labels to settle a difference of 2\.0 points$/);
  // Were the same mix to continue, the half-width at that many more labels is down to minEffect.
  const rho = mixingRho(0.05, t.options.tuningLabels);
  const variance = 0.12 - 0.01 * 0.01;
  assert.ok(halfWidth(variance, 1000 + d.labelsNeededEstimate!, 0.05, rho) <= 0.02);
  assert.ok(halfWidth(variance, 999 + d.labelsNeededEstimate!, 0.05, rho) > 0.02);
  const empty = new PairedAccuracyTest(plan).decide();
  assert.equal(empty.labelsNeededEstimate, null);
  assert.match(empty.reason, /waiting for the first delayed labels/);
});

test('paired: worse, no difference within the margin, and maxLabels each stop with the champion kept', () => {
  const worse = new PairedAccuracyTest(plan);
  worse.addCounts({ bothCorrect: 3000, challengerOnly: 100, championOnly: 300, bothWrong: 600 });
  assert.equal(worse.decide().decision, 'challenger-worse');
  assert.match(worse.decide().reason, /champion kept$/);

  const same = new PairedAccuracyTest(plan);
  same.addCounts({ bothCorrect: 16_000, challengerOnly: 1000, championOnly: 1000, bothWrong: 1999 });
  const d = same.decide();
  assert.equal(d.decision, 'no-difference-within-margin');
  assert.ok(d.lower > -0.02 && d.upper < 0.02);
  assert.equal(d.promote, false);

  const capped = new PairedAccuracyTest({ ...plan, maxLabels: 1000 });
  capped.addCounts({ bothCorrect: 700, challengerOnly: 65, championOnly: 55, bothWrong: 180 });
  const c = capped.decide();
  assert.equal(c.decision, 'no-decision');
  assert.equal(c.stop, true);
  assert.match(c.reason, /^no decision after 1,000 labels \(the plan's maxLabels is 1,000\).*champion kept$/);
});

test('the non-inferiority rule promotes a challenger within the margin that superiority would not', () => {
  const counts = { bothCorrect: 8000, challengerOnly: 600, championOnly: 600, bothWrong: 800 };
  const superiority = new PairedAccuracyTest(plan);
  superiority.addCounts(counts);
  const nonInferiority = new PairedAccuracyTest(accuracyOptionsFromPlan(plan, { rule: 'non-inferiority', margin: 0.02 }));
  nonInferiority.addCounts(counts);
  assert.equal(superiority.decide().promote, false);
  const d = nonInferiority.decide();
  assert.equal(d.decision, 'challenger-not-worse');
  assert.equal(d.promote, true);
  assert.ok(d.lower > -0.02 && d.lower < 0);
  assert.match(d.reason, /not worse than the champion by more than the 2\.0-point margin/);

  // Worse by about a point, within the 2-point margin: promoted, and the reason says it is worse.
  const slightlyWorse = new PairedAccuracyTest(accuracyOptionsFromPlan(plan, { rule: 'non-inferiority', margin: 0.02 }));
  slightlyWorse.addCounts({ bothCorrect: 16_000, challengerOnly: 1000, championOnly: 1200, bothWrong: 1800 });
  const s = slightlyWorse.decide();
  assert.ok(s.upper < 0 && s.lower > -0.02, `${s.lower} ${s.upper}`);
  assert.equal(s.decision, 'challenger-not-worse');
  assert.match(s.reason, /\(it is worse, by less than the margin\)$/);
  // Worse by more than the margin: stopped, champion kept.
  const muchWorse = new PairedAccuracyTest(accuracyOptionsFromPlan(plan, { rule: 'non-inferiority', margin: 0.02 }));
  muchWorse.addCounts({ bothCorrect: 3000, challengerOnly: 100, championOnly: 400, bothWrong: 500 });
  const m = muchWorse.decide();
  assert.equal(m.decision, 'challenger-worse');
  assert.match(m.reason, /^challenger is worse by more than the 2\.0-point margin: .*champion kept$/);
});

test('nothing is decided before each arm has minLabels', () => {
  const t = new UnpairedAccuracyTest({ ...plan, minLabels: 100 });
  t.addCounts({ champion: { labels: 1000, correct: 500 }, challenger: { labels: 99, correct: 99 } });
  assert.equal(t.decide().decision, 'continue');
  t.add('challenger', true);
  assert.equal(t.decide().decision, 'challenger-better');
});

test('unpaired: the difference of two accuracies, per arm counts, one label at a time or in batches', () => {
  const one = new UnpairedAccuracyTest({ ...plan, maxLabels: 60_000 });
  const batch = new UnpairedAccuracyTest({ ...plan, maxLabels: 60_000 });
  for (let i = 0; i < 1000; i++) {
    one.add('champion', i % 5 !== 0);
    one.add('challenger', i % 10 !== 0);
  }
  batch.addCounts({ champion: { labels: 1000, correct: 800 }, challenger: { labels: 1000, correct: 900 } });
  assert.deepEqual(one.decide(), batch.decide());
  const d = batch.decide();
  assert.deepEqual(d.n, { champion: 1000, challenger: 1000 });
  assert.ok(Math.abs(d.estimate - 0.1) < 1e-12);
  // Variance of the difference of two proportions, per observation of the 2,000.
  const se2 = (0.8 * 0.2) / 1000 + (0.9 * 0.1) / 1000;
  const rho = mixingRho(0.05, batch.options.tuningLabels);
  assert.ok(Math.abs(d.upper - d.estimate - halfWidth(se2 * 2000, 2000, 0.05, rho)) < 1e-12);
  assert.equal(d.decision, 'challenger-better');
  assert.equal(batch.options.tuningLabels, defaultTuningLabels('unpaired', 0.05, 0.02));
});

test('serialise and restore: JSON round trip gives identical decisions, then and after more labels', () => {
  const paired = new PairedAccuracyTest(accuracyOptionsFromPlan(plan, { rule: 'non-inferiority', margin: 0.01, tuningLabels: 3000 }));
  paired.addCounts({ bothCorrect: 700, challengerOnly: 65, championOnly: 55, bothWrong: 180 });
  const pairedBack = PairedAccuracyTest.fromJSON(JSON.parse(JSON.stringify(paired)));
  assert.deepEqual(pairedBack.decide(), paired.decide());
  assert.deepEqual(pairedBack.options, paired.options);
  for (const t of [paired, pairedBack]) t.addCounts({ bothCorrect: 2000, challengerOnly: 260, championOnly: 140, bothWrong: 600 });
  assert.deepEqual(pairedBack.decide(), paired.decide());

  const unpaired = new UnpairedAccuracyTest(plan);
  unpaired.addCounts({ champion: { labels: 1900, correct: 1500 }, challenger: { labels: 100, correct: 83 } });
  const unpairedBack = UnpairedAccuracyTest.fromJSON(JSON.parse(JSON.stringify(unpaired.toJSON())));
  assert.deepEqual(unpairedBack.decide(), unpaired.decide());
  assert.deepEqual(unpairedBack.toJSON(), unpaired.toJSON());
});

test('bad input is an InputError naming the field, and changes nothing', () => {
  for (const alpha of [0, 1, 1.5, -0.1, Number.NaN]) assert.equal(inputErrorField(() => new PairedAccuracyTest({ ...plan, alpha })), 'options.alpha');
  assert.equal(inputErrorField(() => new PairedAccuracyTest({ ...plan, minEffect: 0 })), 'options.minEffect');
  assert.equal(inputErrorField(() => new UnpairedAccuracyTest({ ...plan, maxLabels: 0 })), 'options.maxLabels');
  assert.equal(inputErrorField(() => new UnpairedAccuracyTest({ ...plan, maxLabels: 2.5 })), 'options.maxLabels');
  assert.equal(inputErrorField(() => new PairedAccuracyTest({ ...plan, rule: 'better' as 'superiority' })), 'options.rule');
  assert.equal(inputErrorField(() => new PairedAccuracyTest({ ...plan, rule: 'non-inferiority', margin: 2 })), 'options.margin');

  const paired = new PairedAccuracyTest(plan);
  paired.addCounts({ bothCorrect: 10 });
  assert.equal(inputErrorField(() => paired.addCounts({ bothCorrect: 5, championOnly: -1 })), 'counts.championOnly');
  assert.equal(inputErrorField(() => paired.addCounts({ bothWrong: 0.5 })), 'counts.bothWrong');
  assert.equal(paired.labels, 10);

  const unpaired = new UnpairedAccuracyTest(plan);
  assert.equal(inputErrorField(() => unpaired.addCounts({ champion: { labels: 10, correct: 11 } })), 'counts.champion.correct');
  assert.equal(inputErrorField(() => unpaired.addCounts({ champion: { labels: 10, correct: 5 }, challenger: { labels: -3, correct: 0 } })), 'counts.challenger.labels');
  assert.equal(unpaired.labels, 0);

  const saved = JSON.parse(JSON.stringify(paired)) as { counts: Record<string, unknown>; options: Record<string, unknown>; kind: string };
  assert.equal(inputErrorField(() => PairedAccuracyTest.fromJSON({ ...saved, counts: { ...saved.counts, championOnly: -2 } })), 'state.counts.championOnly');
  assert.equal(inputErrorField(() => PairedAccuracyTest.fromJSON({ ...saved, options: { ...saved.options, alpha: 5 } })), 'state.options.alpha');
  assert.equal(inputErrorField(() => PairedAccuracyTest.fromJSON({ ...saved, kind: 'unpaired-accuracy' })), 'state.kind');
  assert.equal(inputErrorField(() => UnpairedAccuracyTest.fromJSON(saved)), 'state.kind');
  assert.equal(inputErrorField(() => PairedAccuracyTest.fromJSON('nonsense')), 'state');
});
