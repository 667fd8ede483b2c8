import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeStreamResult, utf8Slices } from '../../src/stream/stream-result.js';
import { decodeStreamInput, DEFAULT_INPUT_FIELDS } from '../../src/stream/stream-input.js';
import type { EndpointAnswer } from '../../src/serving/endpoint.js';

test('a stream result is byte for byte the JSON of its object, labels and ids escaped', () => {
  const labels = ['8471', 'a "quoted" label', 'é\\n'];
  const proba = new Float32Array([0.1, 0.7, 0.2, 0.5, 0.25, 0.25]);
  const answer = {
    endpoint: 'hs', variant: 'canary', model: { name: 'hs-model', version: '3', kind: 'fasttext', sha256: 'x', labels },
    proba, topIds: new Int32Array([1, 0]), topScores: new Float32Array([0.7, 0.5]), queueMs: 0,
  } as unknown as EndpointAnswer;
  for (const [row, id] of [[0, 'offer "1"'], [1, 'ü\n2']] as const) {
    const text = encodeStreamResult(id, answer, row, 2, new Int32Array(2), new Float32Array(2));
    const r = proba.subarray(row * 3, row * 3 + 3);
    const order = [0, 1, 2].sort((a, b) => r[b]! - r[a]! || a - b).slice(0, 2);
    assert.equal(text, JSON.stringify({
      id, label: labels[answer.topIds[row]!], score: answer.topScores[row], top: order.map((c) => ({ label: labels[c], score: r[c] })),
      endpoint: 'hs', model: 'hs-model', version: '3', variant: 'canary',
    }));
  }
  // An endpoint with a target precision adds each input's decision.
  const deciding = { ...answer, decisions: Uint8Array.from([1, 0]) } as EndpointAnswer;
  const decided = [0, 1].map((row) => (JSON.parse(encodeStreamResult('x', deciding, row, 1, new Int32Array(1), new Float32Array(1))) as { decision: string }).decision);
  assert.deepEqual(decided, ['auto', 'review']);
});

test('stream inputs: JSON with configurable fields, plain text with the message id, and every refusal says why', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const f = DEFAULT_INPUT_FIELDS;
  assert.deepEqual(decodeStreamInput(enc('{"id": 7, "text": "LED TV", "key": "shop"}'), 'm', f, 100).input, { id: '7', text: 'LED TV', key: 'shop' });
  assert.deepEqual(decodeStreamInput(enc('  LED TV 32 INCH'), 'OFFERS:9', f, 100).input, { id: 'OFFERS:9', text: '  LED TV 32 INCH', key: undefined });
  assert.deepEqual(decodeStreamInput(enc('{"title": "cups", "sku": "a1"}'), 'm', { id: 'sku', text: 'title', key: 'k' }, 100).input, { id: 'a1', text: 'cups', key: undefined });
  assert.deepEqual(decodeStreamInput(enc('{"text": "cups"}'), 'OFFERS:3', f, 100).input?.id, 'OFFERS:3');
  const why = (body: string | Uint8Array, max = 100) => decodeStreamInput(typeof body === 'string' ? enc(body) : body, 'm', f, max);
  assert.match(why('').reason!, /empty/);
  assert.match(why('{"text": ').reason!, /starts with "\{" but is not JSON/);
  assert.match(why('{"id": "x", "text": ["a"]}').reason!, /field "text": expected a string, got an array/);
  assert.equal(why('{"id": "x", "text": ["a"]}').id, 'x', 'the id of a refused input is kept for its dead letter');
  assert.match(why('{"id": {}, "text": "a"}').reason!, /field "id": expected a string or a number, got object/);
  assert.match(why('{"text": "a", "key": 5}').reason!, /field "key": expected a string, got number/);
  assert.match(why('{"text": "aaaa"}', 3).reason!, /4 characters; at most 3/);
  assert.match(why(new Uint8Array([0xc3, 0x28])).reason!, /not UTF-8/);
});

test('a batch of result bodies as UTF-8 slices of one buffer: each the bytes TextEncoder gives, in order', () => {
  const strings = ['{"id":"1"}', '', 'é\u00e9 ü', '€ 𝄞 emoji 😀', 'lone \ud800 surrogate', 'x'.repeat(5000), '中文描述'];
  const slices = utf8Slices(strings);
  assert.equal(slices.length, strings.length);
  const te = new TextEncoder();
  strings.forEach((s, i) => assert.deepEqual(Buffer.from(slices[i]!), Buffer.from(te.encode(s)), `string ${i}`));
  // One buffer under them all, no slice overlapping the next.
  for (let i = 1; i < slices.length; i++) {
    assert.equal(slices[i]!.buffer, slices[0]!.buffer);
    assert.equal(slices[i]!.byteOffset, slices[i - 1]!.byteOffset + slices[i - 1]!.byteLength);
  }
  assert.deepEqual(utf8Slices([]), []);
});
