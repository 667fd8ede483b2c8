import assert from 'node:assert/strict';
import { it } from 'node:test';
import { expNonPositive } from '../../../src/models/linear/fast-exp.js';

it('expNonPositive matches Math.exp to 1e-9 relative over the softmax range', () => {
  for (let x = 0; x > -700; x -= 0.0137) {
    const want = Math.exp(x);
    const got = expNonPositive(x);
    assert.ok(Math.abs(got - want) <= 1e-9 * want, `x=${x}: ${got} vs ${want}`);
  }
  assert.equal(expNonPositive(0), 1);
  assert.equal(expNonPositive(-Infinity), 0);
  assert.equal(expNonPositive(-701), 0);
});
