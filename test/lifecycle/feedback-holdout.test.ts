import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitFeedbackHoldout } from '../../src/lifecycle/pipeline/feedback-holdout.js';
import { textSha256 } from '../../src/monitoring/log/text-key.js';
import type { StoredFeedback } from '../../src/monitoring/store/monitoring-store.js';

let nextId = 1;
const item = (text: string | null, time: number, label = 'x'): StoredFeedback => ({
  id: nextId++, endpoint: 'hs4', time, receivedAt: time, label, source: 'broker', requestId: null, position: null,
  text, textSha256: textSha256(text ?? `no text ${nextId}`), prediction: null, newClass: false,
});
const texts = (items: readonly StoredFeedback[]) => items.map((f) => f.text);

test('the holdout is the newest share of the texts: by feedback time, then by id; every item of a held-out text goes with it', () => {
  const items = [
    item('a', 100), item('b', 200), item('c', 300, 'old label'), item('d', 400), item('e', 400),
    item('C', 500, 'new label'), // the same text as 'c' (normalised): c is now the newest, and its old item goes with it
    item(null, 600), // no text: neither trained nor gated on, it stays with training
  ];
  const split = splitFeedbackHoldout(items, 0.4);
  assert.deepEqual([split.texts, split.heldOutTexts], [5, 2]);
  // c (newest at 500), then e (400, the later id of the two at 400).
  assert.deepEqual(texts(split.heldOut), ['c', 'e', 'C']);
  assert.deepEqual(texts(split.training), ['a', 'b', 'd', null]);
});

test('a share of 0 holds nothing out, a share rounds down, and binary fractions do not cost a text', () => {
  const many = Array.from({ length: 100 }, (_, i) => item(`t${i}`, i));
  assert.equal(splitFeedbackHoldout(many, 0).heldOut.length, 0);
  assert.equal(splitFeedbackHoldout(many.slice(0, 4), 0.2).heldOut.length, 0, '20% of 4 texts is none');
  const split = splitFeedbackHoldout(many, 0.29);
  assert.equal(split.heldOutTexts, 29);
  assert.deepEqual(texts(split.heldOut), many.slice(71).map((f) => f.text));
});
