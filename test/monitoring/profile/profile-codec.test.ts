import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../../src/core/errors.js';
import { decodeProfile, encodeProfile } from '../../../src/monitoring/profile/profile-codec.js';
import { PROFILE_FORMAT } from '../../../src/monitoring/profile/reference-profile.js';
import { syntheticProfile } from '../drift/synthetic-traffic.js';

describe('profile codec', () => {
  const profile = syntheticProfile(3);
  const json = encodeProfile(profile);

  it('round-trips every field, typed arrays included', () => {
    const back = decodeProfile(json);
    assert.deepEqual(back, profile);
    assert.ok(back.vocabulary instanceof Uint32Array);
    assert.ok(back.numeric.length.quantiles instanceof Float32Array);
    assert.equal(encodeProfile(back), json);
  });

  it('is JSON with a format field, typed arrays as base64', () => {
    const o = JSON.parse(json) as Record<string, unknown>;
    assert.equal(o['format'], PROFILE_FORMAT);
    assert.equal(typeof o['vocabulary'], 'string');
  });

  const broken: Array<[string, (o: any) => void, string]> = [
    ['wrong format', (o) => { o.format = 'lading-reference-profile/0'; }, 'format'],
    ['missing labels', (o) => { delete o.labels; }, 'labels'],
    ['quantiles not base64', (o) => { o.numeric.length.quantiles = '!!'; }, 'numeric.length.quantiles'],
    ['quantiles cut mid-value', (o) => { o.numeric.topScore.quantiles = Buffer.from([1, 2, 3]).toString('base64'); }, 'numeric.topScore.quantiles'],
    ['quantiles unsorted', (o) => { o.numeric.oovRate.quantiles = Buffer.from(Float32Array.from([2, 1]).buffer).toString('base64'); }, 'numeric.oovRate.quantiles'],
    ['negative std', (o) => { o.numeric.length.std = -1; }, 'numeric.length.std'],
    ['predicted counts of another label set', (o) => { o.labels = o.labels.slice(1); }, 'predictedCounts'],
    ['bucket count not a power of two', (o) => { o.tokens.bucketCounts = Buffer.from(new Uint32Array(3).buffer).toString('base64'); }, 'tokens.bucketCounts'],
    ['vocabulary ends inside a number', (o) => { o.vocabulary = Buffer.from([0x81]).toString('base64'); }, 'vocabulary'],
    ['sample scores of another size', (o) => { o.sample.topScores = Buffer.from(new Float32Array(2).buffer).toString('base64'); }, 'sample.topScores'],
    ['calibration lengths differ', (o) => { o.calibration.correct.pop(); }, 'calibration'],
    ['calibration flag not 0/1', (o) => { o.calibration.correct[0] = 2; }, 'calibration.correct'],
  ];
  for (const [what, damage, field] of broken) {
    it(`rejects a profile with ${what}, naming ${field}`, () => {
      const o = JSON.parse(json);
      damage(o);
      assert.throws(() => decodeProfile(JSON.stringify(o)), (e: unknown) => {
        assert.ok(e instanceof InputError, String(e));
        assert.equal(e.facts['field'], field);
        assert.match(e.message, new RegExp(field.replace(/\./g, '\\.')));
        assert.ok(e.hint);
        return true;
      });
    });
  }

  it('rejects text that is not JSON', () => {
    assert.throws(() => decodeProfile('{"format": '), (e: unknown) => e instanceof InputError && e.code === 'profile-invalid' && /not JSON/.test(e.message));
    assert.throws(() => decodeProfile('[]'), (e: unknown) => e instanceof InputError && /not an object/.test(e.message));
  });
});
