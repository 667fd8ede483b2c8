import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reviewTwinsByFold } from '../../src/training/review-twins.js';

// Filler traffic so that word frequencies look like data: "used" and "parts" are common, the goods words rare.
const filler = Array.from({ length: 400 }, (_, i) => `${i % 2 ? 'USED' : 'NEW'} ${i % 3 ? 'PARTS' : 'SPARES'} ITEM${i}`);

test('a reviewed row is the twin of the traffic rows it nearly repeats, in their folds only; an unlike row and a row of common words are twins of nothing they do not repeat', () => {
  const traffic = ['USED GAS COOKER (4 BURNER)', 'WOODEN DINING CHAIRS', 'USED PARTS', ...filler];
  const reviewedTexts = [
    'USED GAS COOKER 4 BURNER WITH OVEN', // like row 0, not the same key
    '20 PCS USED PARTS', // row 2's key exactly, common words only
    'LEATHER BELTS', // like nothing
    'GAS BOTTLE', // shares a word with row 0, too little of it
  ];
  const texts = [...traffic, ...reviewedTexts];
  const reviewed = Uint8Array.from(texts, (_, i) => (i >= traffic.length ? 1 : 0));
  const scored = Int32Array.from(texts.keys());
  // Traffic rows 0 and 2 in fold 1 and 2; the rest in fold 0 (the reviewed rows' own folds do not matter).
  const foldOf = Int32Array.from(texts, (_, i) => (i === 0 ? 1 : i === 2 ? 2 : 0));
  const twins = reviewTwinsByFold(texts, reviewed, scored, foldOf, 3);
  const r = traffic.length;
  assert.deepEqual([...twins[1]!].sort(), [r], 'fold 1 scores the gas cooker: its reviewed twin stays out of that fold model');
  assert.deepEqual([...twins[2]!].sort(), [r + 1], 'fold 2 scores "USED PARTS": the same key reviewed stays out');
  assert.deepEqual([...twins[0]!], [], 'fold 0 scores only unlike rows');
});

test('no reviewed rows, no twins; traffic rows are never twins of each other', () => {
  const texts = ['USED GAS COOKER (4 BURNER)', 'USED GAS COOKER 4 BURNERS', ...filler];
  const twins = reviewTwinsByFold(texts, new Uint8Array(texts.length), Int32Array.from(texts.keys()), new Int32Array(texts.length), 2);
  assert.deepEqual(twins.map((s) => s.size), [0, 0]);
});
