import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../../src/core/errors.js';
import { buildReferenceProfile, MAX_QUANTILES } from '../../../src/monitoring/profile/reference-profile.js';
import { hasHash, oovRate } from '../../../src/monitoring/profile/text-descriptors.js';
import { computeTextStats, tokenHash } from '../../../src/monitoring/text-stats.js';
import { fakeProba, generateTexts, LABELS, syntheticProfile } from '../drift/synthetic-traffic.js';

describe('buildReferenceProfile', () => {
  const profile = syntheticProfile(7);

  it('summarises the validation rows: counts, predicted labels, accuracy, calibration pairs', () => {
    assert.equal(profile.rows, 2500);
    assert.equal(profile.trainTexts, 3000);
    assert.deepEqual(profile.labels, LABELS);
    assert.equal(profile.predictedCounts.reduce((a, b) => a + b, 0), 2500);
    assert.ok(profile.accuracy > 0.75 && profile.accuracy < 0.9, `accuracy ${profile.accuracy}`);
    assert.equal(profile.calibration.scores.length, 2500);
    assert.equal(profile.calibration.correct.length, 2500);
    const meanCorrect = profile.calibration.correct.reduce((a, b) => a + b, 0) / 2500;
    assert.ok(Math.abs(meanCorrect - profile.accuracy) < 1e-9, 'calibration keeps every row when there are fewer than 5,000');
  });

  it('keeps the training vocabulary sorted, so a validation text with a new word has an OOV rate', () => {
    const v = profile.vocabulary;
    for (let i = 1; i < v.length; i++) assert.ok(v[i]! > v[i - 1]!);
    assert.ok(hasHash(v, tokenHash('steel')));
    assert.ok(!hasHash(v, tokenHash('palletised')));
    assert.equal(oovRate(computeTextStats('steel palletised').tokenHashes, v), 0.5);
    assert.equal(oovRate(computeTextStats('').tokenHashes, v), 0);
  });

  it('stores quantiles of each descriptor sorted, with mean and population std', () => {
    const len = profile.numeric.length;
    assert.equal(len.count, 2500);
    assert.equal(len.quantiles.length, MAX_QUANTILES);
    for (let i = 1; i < len.quantiles.length; i++) assert.ok(len.quantiles[i]! >= len.quantiles[i - 1]!);
    assert.ok(len.std > 0);
    // Validation texts use training words only: the OOV rate is 0 except for the numbers not seen in training.
    assert.ok(profile.numeric.oovRate.mean < 0.1);
    assert.equal(profile.numeric.nonAsciiShare.std, 0);
  });

  it('sketches tokens: buckets sum to the distinct-token total, top tokens carry strings and document frequencies', () => {
    const sum = profile.tokens.bucketCounts.reduce((a, b) => a + b, 0);
    assert.equal(sum, profile.tokens.total);
    assert.equal(profile.tokens.bucketCounts.length, 1 << profile.tokens.bucketBits);
    const top = profile.tokens.top[0]!;
    assert.equal(top.hash, tokenHash(top.token));
    for (let i = 1; i < profile.tokens.top.length; i++) assert.ok(profile.tokens.top[i]!.df <= profile.tokens.top[i - 1]!.df);
  });

  it('keeps at most sampleSize validation rows whole, with their stats, top answers and scores', () => {
    const small = buildReferenceProfile(inputOf(300), { sampleSize: 100, seed: 3 });
    assert.equal(small.sample.texts.length, 100);
    assert.equal(small.sample.stats.length, 100);
    assert.deepEqual(small.sample.stats[0], computeTextStats(small.sample.texts[0]!));
    assert.equal(small.numeric.length.quantiles.length, 300, 'all values kept when there are fewer than MAX_QUANTILES');
  });

  it('rejects misshapen input with the field named', () => {
    const good = inputOf(50);
    const cases: Array<[object, string, string]> = [
      [{ ...good, validY: good.validY.slice(1) }, 'profile-shape', 'validY'],
      [{ ...good, validProba: good.validProba.slice(1) }, 'profile-shape', 'validProba'],
      [{ ...good, validY: Int32Array.from(good.validY, () => 10) }, 'profile-label', 'validY'],
      [{ ...good, validTexts: [], validY: new Int32Array(0), validProba: new Float32Array(0) }, 'profile-no-rows', ''],
      [{ ...good, trainTexts: [] }, 'profile-no-vocabulary', ''],
    ];
    for (const [input, code, field] of cases) {
      assert.throws(() => buildReferenceProfile(input as typeof good), (e: unknown) => {
        assert.ok(e instanceof InputError);
        assert.equal(e.code, code);
        if (field) assert.equal(e.facts['field'], field);
        return true;
      });
    }
  });
});

function inputOf(n: number) {
  const valid = generateTexts(n, 11);
  return { trainTexts: generateTexts(200, 12).texts, validTexts: valid.texts, validY: valid.y, validProba: fakeProba(valid.y, 13).proba, labels: LABELS };
}
