import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setBounded } from '../../src/core/bounded-map.js';

test('a bounded map keeps the newest entries: setting a key again makes it the newest, the oldest go past the bound', () => {
  const m = new Map<string, number>();
  for (let i = 0; i < 10; i++) setBounded(m, `w${i}`, i, 4);
  assert.deepEqual([...m.keys()], ['w6', 'w7', 'w8', 'w9']);
  setBounded(m, 'w6', 60, 4);
  setBounded(m, 'w10', 10, 4);
  assert.deepEqual([...m.entries()], [['w8', 8], ['w9', 9], ['w6', 60], ['w10', 10]]);
  // A window's cells over months of uptime: never more than the bound.
  for (let i = 0; i < 100_000; i++) setBounded(m, `cell-${i}`, i, 2048);
  assert.equal(m.size, 2048);
  assert.equal(m.get('cell-99999'), 99999);
  assert.equal(m.has('cell-97951'), false);
});
