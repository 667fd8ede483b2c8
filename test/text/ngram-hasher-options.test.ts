import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_NGRAMS, NgramHasher } from '../../src/text/ngram-hasher.js';

function features(h: NgramHasher, text: string, family: 'word' | 'char'): string[] {
  return h.describe(text).filter((d) => d.family === family).map((d) => d.feature);
}

test('whitespace char boundaries keep punctuation inside the chunk and pad with spaces', () => {
  const h = new NgramHasher({ ...DEFAULT_NGRAMS, charMin: 2, charMax: 3, charBoundary: 'whitespace' });
  const chars = features(h, 'Tea [500ml]', 'char');
  assert.ok(chars.includes(' [5'));
  assert.ok(chars.includes('l] '));
  assert.ok(chars.includes(' t'));
  assert.ok(!chars.some((c) => c.includes('#')));
  // describe() names exactly the ids hash() writes, in order.
  const words = new Uint32Array(256);
  const ids = new Uint32Array(256);
  const counts = new Int32Array(2);
  h.hash('Tea [500ml]', words, ids, counts);
  assert.deepEqual(h.describe('Tea [500ml]').filter((d) => d.family === 'char').map((d) => d.id), [...ids.subarray(0, counts[1])]);
});

test('minWordLength drops short tokens from word n-grams only, and bigrams join the remaining neighbours', () => {
  const h = new NgramHasher({ ...DEFAULT_NGRAMS, minWordLength: 2 });
  assert.deepEqual(features(h, 'a cup x of tea', 'word'), ['cup', 'of', 'cup of', 'tea', 'of tea']);
  assert.ok(features(h, 'a cup', 'char').includes('#a#'));
});

test('default settings give the same ids as before the options existed', () => {
  const plain = new NgramHasher(DEFAULT_NGRAMS);
  const explicit = new NgramHasher({ ...DEFAULT_NGRAMS, charBoundary: 'token', minWordLength: 1 });
  const text = 'Green tea, 500ml [x2] — café';
  assert.deepEqual(plain.describe(text), explicit.describe(text));
  assert.ok(plain.describe(text).some((d) => d.feature === 'a' || d.feature === 'x2'));
});
