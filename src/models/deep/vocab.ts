import { normaliseText } from '../../text/normalise.js';
import { tokenSpans } from '../../text/tokenise.js';
import { charGrams, SUBWORD_PREFIX } from '../onnx/token-encoder.js';

export const PAD_ID = 0;
export const UNK_ID = 1;
/** Bag mode only: the id of a position whose embedding comes from the n-gram bag input (its row is zero). */
export const BAG_ID = 2;

export interface VocabOptions {
  /** Words seen fewer times than this are out of vocabulary (they fall back to subwords or <unk>). */
  readonly minCount: number;
  readonly maxWords: number;
  /** Character n-gram length for the subword fallback; 0 = none. */
  readonly subwordN: number;
  readonly maxSubwords: number;
  /** Bag mode (bagMaxN > 0): every word also gets the rows of its character n-grams of these lengths. */
  readonly bagMinN?: number;
  readonly bagMaxN?: number;
}

/**
 * The token vocabulary of a deep model, built from the training split only: "<pad>", "<unk>", the
 * frequent words (most frequent first, ties alphabetical so the order never depends on input
 * order), then the character n-grams of the rare words, which the encoder uses for words it does
 * not know (so "bottlez" still shares "##bot", "##ott"… with "bottles"). In bag mode: "<pad>",
 * "<unk>", "<bag>", the words, then the n-grams of all words (see TokenizerSpec.bagMaxN).
 */
export function buildVocab(texts: readonly string[], o: VocabOptions): string[] {
  const words = new Map<string, number>();
  const starts = new Int32Array(1024);
  const ends = new Int32Array(1024);
  for (const text of texts) {
    const t = normaliseText(text);
    const n = tokenSpans(t, starts, ends);
    for (let i = 0; i < n; i++) {
      const w = t.slice(starts[i], ends[i]);
      words.set(w, (words.get(w) ?? 0) + 1);
    }
  }
  const ranked = (m: Map<string, number>, min: number, max: number): string[] =>
    [...m].filter(([, c]) => c >= min).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, max).map(([w]) => w);
  const kept = ranked(words, o.minCount, o.maxWords);
  const bagMaxN = o.bagMaxN ?? 0;
  if (bagMaxN > 0) {
    // Bag mode: the n-grams of every word, weighted by the word's count.
    const grams = new Map<string, number>();
    for (const [w, c] of words) charGrams(w, o.bagMinN ?? 3, bagMaxN, (g) => { grams.set(g, (grams.get(g) ?? 0) + c); });
    return ['<pad>', '<unk>', '<bag>', ...kept, ...ranked(grams, o.minCount, o.maxSubwords).map((g) => SUBWORD_PREFIX + g)];
  }
  const vocab = ['<pad>', '<unk>', ...kept];
  if (o.subwordN > 0) {
    const inVocab = new Set(kept);
    const grams = new Map<string, number>();
    for (const [w, c] of words) {
      if (!inVocab.has(w)) charGrams(w, o.subwordN, o.subwordN, (g) => { grams.set(g, (grams.get(g) ?? 0) + c); });
    }
    for (const g of ranked(grams, o.minCount, o.maxSubwords)) vocab.push(SUBWORD_PREFIX + g);
  }
  return vocab;
}
