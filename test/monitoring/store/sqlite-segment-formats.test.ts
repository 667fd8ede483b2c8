import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeSegment, encodeSegment, storedPredictionOf } from '../../../src/monitoring/store/sqlite/log-segment.js';
import { prediction } from './fixtures.js';

// Two rows (requestId r0/r1, text "t 0"/"t 1") as the encoder wrote them before entity features were logged (format LSG1).
const LSG1 = 'MUdTTAIAAAABAAAAGgAAABAAAAAIAAAACAAAABAAAAAQAAAACAAAAAgAAAAIAAAACAAAAAgAAAAMAAAAEAAAAAwAAAAIAAAAEAAAAAgAAAAQAAAAEAAAAAgAAAAIAAAACAAAAAQAAAAEAAAABgAAAIAAAAABAAAAAAAAAABAj0AAAAAAAEiPQAcAAAAHAAAAAAAAAAAAAAAAAAAAAADgPwAAAAAAAOA/AAAAAAAA8D8AAAAAAADwPwMAAAADAAAAAgAAAAIAAAABAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAQAAAAAAAAAAQAAAAIAAAABAAAAAgAAAAAAAAABAAAAAgAAAAAAAAAAAAAAAAAAAAAAAAAAAOA/AAAAAAAA4D8AAAAAAAAAALLG6LSz8ihDRiOA4+kVKUN42hCikPMIQ3jaEKKQ8whDAgAAAAIAAAADAAAAAwAAAEAAAABAAAAAAQAAAAAAAAByMHIxAAAAAHQgMHQgMQAAYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJ4AAAAAAAAAA==';
const stream = { endpoint: 'hs', variant: 'main', role: 'primary' as const, model: 'm', version: '1', modelSha256: 'a'.repeat(64) };

test('log segments written before entity features (LSG1) are still read, with no features; new ones (LSG2) keep them', () => {
  const old = decodeSegment(10, Buffer.from(LSG1, 'base64'));
  assert.equal(old.length, 2);
  const row = storedPredictionOf(old, 1, 'hs', stream);
  assert.deepEqual([row.seq, row.requestId, row.text, row.label, row.at], [11, 'r1', 't 1', 'x', 1001]);
  assert.deepEqual([...row.stats.tokenHashes], [1, 2]);
  assert.equal('features' in row, false);
  const rows = [prediction(0, { features: { 'v:f': 'x', 'v:n': 3 } }), prediction(1, { features: null }), prediction(2)];
  const seg = decodeSegment(0, encodeSegment(rows, [0, 1, 2], new Int32Array(3)));
  assert.deepEqual([0, 1, 2].map((i) => seg.features(i)), [{ 'v:f': 'x', 'v:n': 3 }, null, undefined]);
});
