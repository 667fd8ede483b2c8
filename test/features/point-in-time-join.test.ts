import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entityTimeOrder } from '../../src/features/point-in-time-join.js';

test('the examples\' order is (entity id, time, index), unknown keys (-1) first, as a comparator sort gives it', () => {
  let s = 5;
  const random = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
  const n = 5_000;
  const entityIds = Int32Array.from({ length: n }, () => Math.floor(random() * 300) - 1);
  const times = Float64Array.from({ length: n }, () => Math.floor(random() * 50)); // many equal times: ties keep index order
  const expected = Array.from({ length: n }, (_, i) => i).sort((a, b) => (entityIds[a]! - entityIds[b]!) || (times[a]! - times[b]!) || (a - b));
  assert.deepEqual([...entityTimeOrder({ entityIds, times })], expected);
  assert.deepEqual([...entityTimeOrder({ entityIds: new Int32Array(0), times: new Float64Array(0) })], []);
});
