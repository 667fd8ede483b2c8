import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decidedForReview } from '../../src/platform/review-queue.js';
import type { PredictionEvent } from '../../src/serving/prediction-observers.js';

const event = (topScores: number[], decisions?: number[]) => ({ topScores: Float32Array.from(topScores), decisions: decisions && Uint8Array.from(decisions) }) as unknown as PredictionEvent;

test('an endpoint that decides routes exactly its "review" answers, whatever their scores; one that does not, its texts below the threshold', () => {
  const route = decidedForReview(0.5);
  const deciding = event([0.99, 0.2, 0.7], [0, 1, 1]);
  assert.deepEqual([0, 1, 2].map((r) => route(deciding, r)), [true, false, false]);
  const plain = event([0.99, 0.2, 0.7]);
  assert.deepEqual([0, 1, 2].map((r) => route(plain, r)), [false, true, false]);
  assert.deepEqual([0, 1, 2].map((r) => decidedForReview(0)(plain, r)), [false, false, false], 'no threshold: nothing of a non-deciding endpoint');
});
