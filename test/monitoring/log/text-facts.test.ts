import assert from 'node:assert/strict';
import { test } from 'node:test';
import { textFacts } from '../../../src/monitoring/log/text-facts.js';
import { textSha256 } from '../../../src/monitoring/log/text-key.js';
import { computeTextStats } from '../../../src/monitoring/text-stats.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 0x100000000; };
}

/** textFacts of `text` embedded at an offset in a larger string, as the log batch holds it. */
function factsOf(text: string) {
  const data = `<<${text}>>`;
  const counts = new Int32Array(4);
  const hashes = new Uint32Array(80).fill(7);
  const { sha256, kept } = textFacts(data, 2, 2 + text.length, counts, hashes, 3);
  return { sha256, stats: { chars: text.length, tokens: counts[0]!, digits: counts[1]!, upper: counts[2]!, nonAscii: counts[3]!, tokenHashes: hashes.slice(3, 3 + kept) } };
}

test('the one-pass key and statistics of a text equal normaliseText\'s sha256 and computeTextStats, ASCII or not', () => {
  const rand = lcg(11);
  // Every ASCII whitespace \\s knows, the characters around the letter and digit ranges, and non-ASCII ones (NFKC, other spaces, surrogates).
  const alphabet = [' ', '\t', '\n', '\v', '\f', '\r', 'a', 'z', 'A', 'Z', '0', '9', '@', '[', '`', '{', '/', ':', '-', '.', '_', 'x', 'Q', '7', '\u001f', '\u007f',
    'é', 'É', '\u00a0', 'ﬁ', '中', '😀', '\u2028', 'Ⅻ'];
  const texts = ['', ' ', '  Cotton  T-SHIRTS,\tknitted \n', 'a'.repeat(5000), 'w1 w2 '.repeat(40), 'a '.repeat(1100), Array.from({ length: 70 }, (_, i) => `tok${i}`).join(' '), 'Größe 10 × Émile — 中文 ✓'];
  for (let i = 0; i < 3000; i++) {
    const ascii = i % 3 !== 0;
    const len = Math.floor(rand() * 60);
    let t = '';
    for (let k = 0; k < len; k++) t += alphabet[Math.floor(rand() * (ascii ? 26 : alphabet.length))];
    texts.push(t);
  }
  for (const text of texts) {
    const got = factsOf(text);
    assert.equal(got.sha256, textSha256(text), JSON.stringify(text));
    assert.deepEqual(got.stats, computeTextStats(text), JSON.stringify(text));
  }
});
