import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NgramHasher } from '../../src/text/ngram-hasher.js';
import { normaliseText } from '../../src/text/normalise.js';
import { tokens } from '../../src/text/tokenise.js';

const hasher = new NgramHasher({ wordNgrams: 2, charMin: 2, charMax: 4, maxTokens: 64 });

function hashes(text: string): { words: number[]; chars: number[] } {
  const words = new Uint32Array(hasher.maxFeatures(text.length));
  const chars = new Uint32Array(hasher.maxFeatures(text.length));
  const counts = new Int32Array(2);
  hasher.hash(text, words, chars, counts);
  return { words: Array.from(words.subarray(0, counts[0])), chars: Array.from(chars.subarray(0, counts[1])) };
}

test('normalisation folds case, width and whitespace', () => {
  assert.equal(normaliseText('  PLASTIC\tCups\n'), 'plastic cups');
  assert.equal(normaliseText('ＰＬＡＳＴＩＣ'), 'plastic');
  assert.deepEqual(tokens(normaliseText('70CTNS X 120 PCS [500ML] café')), ['70ctns', 'x', '120', 'pcs', '500ml', 'café']);
});

test('word unigrams and bigrams, and boundary-marked character n-grams, are counted exactly', () => {
  const { words, chars } = hashes('ab cde');
  assert.equal(words.length, 3); // ab, cde, "ab cde"
  // "#ab#": n=2..4 -> 3 + 2 + 1 = 6; "#cde#": 4 + 3 + 2 = 9
  assert.equal(chars.length, 15);
});

test('features do not depend on case or spacing, and differ between families', () => {
  assert.deepEqual(hashes('Plastic  CUPS'), hashes('plastic cups'));
  const { words, chars } = hashes('ab');
  assert.ok(!chars.includes(words[0]!));
});

test('describe() names exactly the ids hash() produces, in order', () => {
  const text = 'Stainless steel POTS, 3 pcs';
  const { words, chars } = hashes(text);
  const described = hasher.describe(text);
  assert.deepEqual(described.filter((d) => d.family === 'word').map((d) => d.id), words);
  assert.deepEqual(described.filter((d) => d.family === 'char').map((d) => d.id), chars);
  assert.ok(described.some((d) => d.feature === 'stainless steel'));
  assert.ok(described.some((d) => d.feature === '#po'));
});

test('buffers sized by maxFeatures never overflow, even on long inputs', () => {
  const text = 'x'.repeat(5000) + ' ' + 'ab '.repeat(500);
  const { words, chars } = hashes(text);
  assert.ok(words.length <= 64 * 2);
  assert.ok(chars.length > 0);
});
