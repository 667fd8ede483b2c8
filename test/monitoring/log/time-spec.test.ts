import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../../src/core/errors.js';
import { parseTimeSpec } from '../../../src/monitoring/log/time-spec.js';

test('times: ISO-8601 or a span back from now; anything else names the flag', () => {
  const now = Date.parse('2026-12-04T18:00:00Z');
  assert.equal(parseTimeSpec('1h', '--since', now), now - 3_600_000);
  assert.equal(parseTimeSpec('7d', '--since', now), now - 7 * 86_400_000);
  assert.equal(parseTimeSpec('30m', '--since', now), now - 1_800_000);
  assert.equal(parseTimeSpec('2026-12-01', '--since', now), Date.parse('2026-12-01T00:00:00Z'));
  assert.equal(parseTimeSpec('2026-12-04T12:00:00Z', '--until', now), Date.parse('2026-12-04T12:00:00Z'));
  assert.throws(() => parseTimeSpec('yesterday', '--since', now), (e: unknown) => e instanceof InputError && e.code === 'bad-time' && e.facts['field'] === '--since');
  assert.throws(() => parseTimeSpec('2026-13-45', '--until', now), (e: unknown) => e instanceof InputError && e.facts['field'] === '--until');
});
