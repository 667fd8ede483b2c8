import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeClassifyResponse, encodeClassifyResponseJson } from '../../src/serving/classify-codec.js';
import type { EndpointAnswer } from '../../src/serving/endpoint.js';
import { argmaxRows } from '../../src/serving/rows.js';

/** An answer over awkward labels (quotes, backslashes, non-ASCII) and scores, as the endpoint builds it. */
function answer(proba: Float32Array, labels: string[], explanations?: EndpointAnswer['explanations']): EndpointAnswer {
  const { ids, scores } = argmaxRows(proba, labels.length);
  return {
    endpoint: 'goods "eu"', variant: 'blue', queueMs: 0.1, proba, topIds: ids, topScores: scores, explanations,
    model: { name: 'hs\\4', version: '3', kind: 'fasttext', sha256: 'ab', labels },
  };
}

const labels = ['8471', 'a "quoted" label', 'back\\slash', 'naïve ✓ 日本', 'line\nbreak', 'x'];
const rows = 7;
const proba = new Float32Array(rows * labels.length);
for (let i = 0; i < proba.length; i++) proba[i] = ((i * 7919) % 101) / 101 + (i % 3) * 1e-9;

test('the JSON text of a classify answer is byte for byte JSON.stringify of the object answer, for every top k', () => {
  const a = answer(proba, labels);
  for (const top of [1, 2, 3, labels.length, labels.length + 4]) {
    const expected = JSON.stringify({ ...encodeClassifyResponse(a, top), requestId: 'req-1"' });
    assert.equal(encodeClassifyResponseJson(a, top, 'req-1"'), expected, `top ${top}`);
  }
});

test('non-finite scores are written as JSON.stringify writes them', () => {
  const odd = proba.slice();
  odd[0] = Number.NaN;
  odd[labels.length + 1] = Number.POSITIVE_INFINITY;
  const a = answer(odd, labels);
  for (const top of [1, 3]) assert.equal(encodeClassifyResponseJson(a, top, 'r'), JSON.stringify({ ...encodeClassifyResponse(a, top), requestId: 'r' }));
});

test('answers with explanations keep the general encoding', () => {
  const a = answer(proba, labels, Array.from({ length: rows }, (_, i) => [{ feature: `f${i}`, weight: 0.5 }]));
  assert.equal(encodeClassifyResponseJson(a, 2, 'r'), JSON.stringify({ ...encodeClassifyResponse(a, 2), requestId: 'r' }));
});
