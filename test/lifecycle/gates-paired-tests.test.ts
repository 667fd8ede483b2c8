import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/core/errors.js';
import { createRandom } from '../../src/core/random.js';
import { binomialCdf, clopperPearson, mcnemarExactP } from '../../src/lifecycle/gates/binomial.js';
import { judgeDifference, pairedAccuracy, pairedBootstrap, weightedMacroF1 } from '../../src/lifecycle/gates/paired-tests.js';
import { classTable } from '../../src/training/confusion.js';

/**
 * Correct/incorrect vectors of two models on n texts: `both` right by both, `candidateOnly` and
 * `championOnly` discordant, the rest wrong by both, in a seeded random order.
 */
function pairedVectors(n: number, both: number, candidateOnly: number, championOnly: number, seed = 5): { candidate: Uint8Array; champion: Uint8Array } {
  const candidate = new Uint8Array(n);
  const champion = new Uint8Array(n);
  const order = Array.from({ length: n }, (_, i) => i);
  const random = createRandom(seed);
  for (let i = n - 1; i > 0; i--) { const j = random.int(i + 1); [order[i], order[j]] = [order[j]!, order[i]!]; }
  let at = 0;
  for (let k = 0; k < both; k++) { const i = order[at++]!; candidate[i] = 1; champion[i] = 1; }
  for (let k = 0; k < candidateOnly; k++) candidate[order[at++]!] = 1;
  for (let k = 0; k < championOnly; k++) champion[order[at++]!] = 1;
  return { candidate, champion };
}

describe('binomial tails (checked against scipy.stats.binomtest)', () => {
  it('Clopper-Pearson bounds match the exact interval', () => {
    const a = clopperPearson(5, 13, 0.05);
    assert.ok(Math.abs(a.lower - 0.13857933889015986) < 1e-9 && Math.abs(a.upper - 0.6842223970859406) < 1e-9, JSON.stringify(a));
    const b = clopperPearson(400, 1000, 0.1);
    assert.ok(Math.abs(b.lower - 0.37426088184568096) < 1e-9 && Math.abs(b.upper - 0.42617658666469144) < 1e-9, JSON.stringify(b));
    assert.deepEqual(clopperPearson(0, 0, 0.05), { lower: 0, upper: 1 });
    assert.equal(clopperPearson(0, 10, 0.05).lower, 0);
    assert.equal(clopperPearson(10, 10, 0.05).upper, 1);
  });

  it("McNemar's exact p-value", () => {
    assert.equal(mcnemarExactP(0, 10), 0.001953125);
    assert.ok(Math.abs(mcnemarExactP(17, 3) - 0.0025768280029296875) < 1e-12);
    assert.equal(mcnemarExactP(0, 0), 1);
    assert.equal(mcnemarExactP(7, 7), 1);
    assert.equal(binomialCdf(3, 3, 0.2), 1);
    assert.ok(Math.abs(binomialCdf(1, 2, 0.5) - 0.75) < 1e-12);
  });
});

describe('paired accuracy (exact interval from the discordant pairs)', () => {
  const margin = 0.02;

  it('identical answers pass: no discordant text, the interval is [0, 0]', () => {
    const { candidate } = pairedVectors(1000, 870, 0, 0);
    const r = pairedAccuracy(candidate, candidate.slice(), 0.05);
    assert.deepEqual([r.difference, r.lower, r.upper, r.mcnemarP], [0, 0, 0, 1]);
    assert.equal(judgeDifference(r, margin), 'no-worse');
  });

  it('a candidate 10 points worse on 1,000 texts fails as worse with confidence', () => {
    const v = pairedVectors(1000, 750, 0, 100);
    const r = pairedAccuracy(v.candidate, v.champion, 0.05);
    assert.equal(r.candidateAccuracy, 0.75);
    assert.equal(r.championAccuracy, 0.85);
    assert.ok(Math.abs(r.difference + 0.1) < 1e-12);
    assert.ok(r.upper < -margin, `upper ${r.upper}`);
    assert.equal(judgeDifference(r, margin), 'worse');
    assert.ok(r.mcnemarP < 1e-20);
  });

  it('a tiny difference within the margin passes (0.3 points worse, margin 2 points)', () => {
    const v = pairedVectors(1000, 850, 5, 8);
    const r = pairedAccuracy(v.candidate, v.champion, 0.05);
    assert.ok(Math.abs(r.difference + 0.003) < 1e-12);
    // d = 13, candidate won 5: pi in [0.1386, 0.6842], so the difference lies in 13 (2 pi - 1) / 1000.
    assert.ok(Math.abs(r.lower - (13 * (2 * 0.13857933889015986 - 1)) / 1000) < 1e-9, `lower ${r.lower}`);
    assert.ok(Math.abs(r.upper - (13 * (2 * 0.6842223970859406 - 1)) / 1000) < 1e-9, `upper ${r.upper}`);
    assert.equal(judgeDifference(r, margin), 'no-worse');
  });

  it('too few texts for their disagreements cannot show non-inferiority (the burden is on the candidate)', () => {
    // Equal accuracy on 60 texts, but 12 disagreements: the interval reaches far below -0.02.
    const v = pairedVectors(60, 40, 6, 6);
    const r = pairedAccuracy(v.candidate, v.champion, 0.05);
    assert.equal(r.difference, 0);
    assert.ok(r.lower < -margin && r.upper > -margin);
    assert.equal(judgeDifference(r, margin), 'not-shown');
  });

  it('unpaired vectors are refused', () => {
    assert.throws(() => pairedAccuracy(new Uint8Array(3), new Uint8Array(4), 0.05), (e: unknown) => e instanceof InputError && e.code === 'gate-unpaired');
  });
});

describe('paired bootstrap of macro-F1', () => {
  // Four classes, 800 texts; the champion is right 90% of the time, errors spread over classes.
  const n = 800;
  const random = createRandom(11);
  const truth = Int32Array.from({ length: n }, (_, i) => i % 4);
  const champion = Int32Array.from(truth, (t) => (random.next() < 0.9 ? t : (t + 1 + random.int(3)) % 4));
  const options = { resamples: 1000, seed: 3, alpha: 0.05 };

  it('its point value is the macro-F1 the evaluation reports (classTable)', () => {
    const metric = weightedMacroF1(truth, 4);
    const expected = classTable(['a', 'b', 'c', 'd'], 4, truth, champion).macroF1;
    assert.ok(Math.abs(metric(champion, new Uint32Array(n).fill(1)) - expected) < 1e-12);
  });

  it('the same answers give [0, 0]; a candidate that loses a whole class fails; a near-copy passes', () => {
    const metric = weightedMacroF1(truth, 4);
    const same = pairedBootstrap(champion, champion.slice(), metric, options);
    assert.deepEqual([same.difference, same.lower, same.upper], [0, 0, 0]);
    assert.equal(judgeDifference(same, 0.02), 'no-worse');

    // Class 3 is always called class 0: macro-F1 falls by about a quarter.
    const lost = Int32Array.from(champion, (p, i) => (truth[i] === 3 ? 0 : p));
    const worse = pairedBootstrap(lost, champion, metric, options);
    assert.ok(worse.difference < -0.15, `difference ${worse.difference}`);
    assert.equal(judgeDifference(worse, 0.02), 'worse');

    // Four texts answered differently out of 800: within a 2-point margin.
    const near = champion.slice();
    for (const i of [0, 101, 202, 303]) near[i] = (near[i]! + 1) % 4;
    const close = pairedBootstrap(near, champion, metric, options);
    assert.ok(close.lower >= -0.02 && close.lower < 0, `lower ${close.lower}`);
    assert.equal(judgeDifference(close, 0.02), 'no-worse');
  });

  it('is seeded: the same seed gives the same interval, another seed a different one', () => {
    const metric = weightedMacroF1(truth, 4);
    const near = Int32Array.from(champion, (p, i) => (i % 37 === 0 ? (p + 1) % 4 : p));
    const a = pairedBootstrap(near, champion, metric, options);
    const b = pairedBootstrap(near, champion, metric, options);
    const c = pairedBootstrap(near, champion, metric, { ...options, seed: 4 });
    assert.deepEqual(a, b);
    assert.notDeepEqual([a.lower, a.upper], [c.lower, c.upper]);
  });

  it('refuses too few resamples', () => {
    assert.throws(() => pairedBootstrap(truth, truth, weightedMacroF1(truth, 4), { ...options, resamples: 5 }), (e: unknown) => e instanceof InputError && e.code === 'gate-bad-resamples');
  });
});
