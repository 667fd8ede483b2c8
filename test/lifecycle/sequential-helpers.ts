import assert from 'node:assert/strict';
import { InputError } from '../../src/core/errors.js';

/** The field an InputError names (its `facts.field`); fails the test on any other outcome. */
export function inputErrorField(fn: () => unknown): string | number | boolean | undefined {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof InputError, `expected an InputError, got ${String(e)}`);
    return e.facts['field'];
  }
  assert.fail('expected an InputError');
}
