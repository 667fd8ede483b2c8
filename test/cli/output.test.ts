import assert from 'node:assert/strict';
import { test } from 'node:test';
import { table, utcTime } from '../../src/cli/output.js';

test('the CLI renders every time as ISO 8601 UTC to the second', () => {
  assert.equal(utcTime('2026-12-04T16:14:35.123Z'), '2026-12-04T16:14:35Z');
  assert.equal(utcTime(new Date(Date.UTC(2026, 11, 4, 16, 14, 35, 900))), '2026-12-04T16:14:35Z');
  assert.equal(utcTime('2026-12-04T17:14:35.000+01:00'), '2026-12-04T16:14:35Z');
  assert.equal(utcTime(null), '-');
  assert.equal(utcTime('not a time'), 'not a time');
  // Raw registry times handed to a table come out the same way.
  assert.match(table(['at', 'n'], [['2026-12-04T16:14:35.123Z', 1]]), /^2026-12-04T16:14:35Z +1$/m);
});
