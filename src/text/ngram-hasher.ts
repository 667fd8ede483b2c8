import { normaliseText } from './normalise.js';
import { tokenSpans } from './tokenise.js';

/**
 * Hashes the word n-grams and character n-grams of a text to 32-bit feature ids, writing them into
 * caller-owned Uint32Arrays (no per-token allocation). Both fast models featurise through this, so
 * training and serving see exactly the same features.
 *
 * Character n-grams are taken inside each token padded with a boundary mark on both sides
 * (scikit-learn's `char_wb`, fastText's `<word>`), for n in [charMin, charMax]. Word n-grams
 * are 1..wordNgrams consecutive tokens. The three families are hashed with different seeds, so a
 * word never collides with a character n-gram of the same letters by construction.
 */
export interface NgramSettings {
  /** Longest word n-gram (1 = unigrams only). */
  readonly wordNgrams: number;
  /** Shortest and longest character n-gram; charMax 0 disables them. */
  readonly charMin: number;
  readonly charMax: number;
  /** Tokens beyond this many are ignored (bounds work on pathological inputs). */
  readonly maxTokens: number;
  /**
   * Where character n-grams are padded (default 'token'): 'token' pads each alphanumeric token
   * with '#'; 'whitespace' pads each whitespace-separated chunk (punctuation kept inside, as
   * scikit-learn's char_wb does) with ' '.
   */
  readonly charBoundary?: 'token' | 'whitespace';
  /** Tokens shorter than this (UTF-16 units) give no word n-grams (default 1; scikit-learn's default pattern is 2). */
  readonly minWordLength?: number;
}

export const DEFAULT_NGRAMS: NgramSettings = { wordNgrams: 2, charMin: 2, charMax: 5, maxTokens: 256 };

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SEED_WORD = 0x9e3779b1;
const SEED_BIGRAM = 0x85ebca6b;
const SEED_CHAR = 0xc2b2ae35;
/** Padding mark at token boundaries inside character n-grams. */
const BOUNDARY = 0x23; // '#', never a token character
const SPACE = 0x20;

/** Murmur3's finaliser: spreads a 32-bit hash over all bits (bucket ids are taken modulo). */
export function fmix32(h: number): number {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class NgramHasher {
  readonly settings: NgramSettings;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly tokenHash: Uint32Array;

  constructor(settings: NgramSettings = DEFAULT_NGRAMS) {
    if (settings.wordNgrams < 1 || settings.charMax < 0 || (settings.charMax > 0 && settings.charMin < 1) || settings.charMin > Math.max(settings.charMax, 1)) {
      throw new RangeError(`invalid n-gram settings ${JSON.stringify(settings)}`);
    }
    this.settings = settings;
    this.starts = new Int32Array(settings.maxTokens);
    this.ends = new Int32Array(settings.maxTokens);
    this.tokenHash = new Uint32Array(settings.maxTokens);
  }

  /** Upper bound on features a text of this many UTF-16 units can produce (to size buffers). */
  maxFeatures(textLength: number): number {
    const { wordNgrams, charMin, charMax } = this.settings;
    const tokensBound = Math.min(this.settings.maxTokens, textLength);
    const chars = charMax > 0 ? (Math.min(textLength, 4 * this.settings.maxTokens) + 2 * tokensBound) * (charMax - charMin + 1) : 0;
    return tokensBound * wordNgrams + chars;
  }

  /**
   * Normalises `text`, then writes word n-gram ids into words[] and character n-gram ids into
   * chars[] (either may be null to skip that family); counts[0] and counts[1] receive how many
   * were written. Ids beyond a buffer's length are dropped, so size buffers with maxFeatures().
   */
  hash(text: string, words: Uint32Array | null, chars: Uint32Array | null, counts: Int32Array): void {
    const t = normaliseText(text);
    const nTok = tokenSpans(t, this.starts, this.ends);
    const { wordNgrams, charMax } = this.settings;
    const minWord = this.settings.minWordLength ?? 1;
    const whitespace = this.settings.charBoundary === 'whitespace';
    let nw = 0;
    let nc = 0;
    // Word n-grams run over the tokens long enough to count, adjacent in that filtered list.
    let kept = 0;
    for (let k = 0; k < nTok; k++) {
      const s = this.starts[k]!;
      const e = this.ends[k]!;
      if (e - s < minWord) continue;
      let h = FNV_OFFSET;
      for (let i = s; i < e; i++) h = Math.imul(h ^ t.charCodeAt(i), FNV_PRIME);
      const q = kept++;
      this.tokenHash[q] = h >>> 0;
      if (words !== null) {
        if (nw < words.length) words[nw++] = fmix32(h ^ SEED_WORD);
        if (wordNgrams >= 2 && q > 0) {
          let g = this.tokenHash[q - 1]!;
          for (let m = 1; m < wordNgrams && q - m >= 0; m++) {
            if (m > 1) g = Math.imul(this.tokenHash[q - m]!, 31) ^ g;
            const combined = Math.imul(g, FNV_PRIME) ^ Math.imul(h, 0x27d4eb2d) ^ Math.imul(m, SEED_BIGRAM);
            if (nw < words.length) words[nw++] = fmix32(combined);
          }
        }
      }
      if (!whitespace && chars !== null && charMax > 0) nc = this.charNgrams(t, s, e, BOUNDARY, chars, nc);
    }
    if (!whitespace && minWord > 1 && chars !== null && charMax > 0) {
      // Short tokens still give character n-grams.
      for (let k = 0; k < nTok; k++) {
        const s = this.starts[k]!;
        const e = this.ends[k]!;
        if (e - s < minWord) nc = this.charNgrams(t, s, e, BOUNDARY, chars, nc);
      }
    }
    if (whitespace && chars !== null && charMax > 0) {
      // The normalised text has single spaces between chunks and none at the ends.
      let s = 0;
      let chunks = 0;
      for (let i = 0; i <= t.length && chunks < this.settings.maxTokens; i++) {
        if (i === t.length || t.charCodeAt(i) === SPACE) {
          if (i > s) { nc = this.charNgrams(t, s, i, SPACE, chars, nc); chunks++; }
          s = i + 1;
        }
      }
    }
    counts[0] = nw;
    counts[1] = nc;
  }

  /** Character n-grams of mark + t[s..e) + mark into chars from nc; returns the new count. */
  private charNgrams(t: string, s: number, e: number, mark: number, chars: Uint32Array, nc: number): number {
    const { charMin, charMax } = this.settings;
    // Padded token: mark + t[s..e) + mark, virtual indices 0..len+1.
    const padded = e - s + 2;
    for (let a = 0; a < padded; a++) {
      let g = FNV_OFFSET ^ SEED_CHAR;
      const last = Math.min(padded, a + charMax);
      for (let b = a; b < last; b++) {
        const code = b === 0 || b === padded - 1 ? mark : t.charCodeAt(s + b - 1);
        g = Math.imul(g ^ code, FNV_PRIME);
        const n = b - a + 1;
        // A lone boundary mark is not a feature.
        if (n >= charMin && !(n === 1 && (b === 0 || b === padded - 1)) && nc < chars.length) chars[nc++] = fmix32(g ^ n);
      }
    }
    return nc;
  }

  /**
   * The same features as `hash`, with readable names (allocates; for explanations only).
   * Word n-grams read "a b", character n-grams "#ab" with # marking a token boundary.
   */
  describe(text: string): Array<{ id: number; feature: string; family: 'word' | 'char' }> {
    const t = normaliseText(text);
    const nTok = tokenSpans(t, this.starts, this.ends);
    const toks: string[] = [];
    for (let k = 0; k < nTok; k++) toks.push(t.slice(this.starts[k], this.ends[k]));
    const total = this.maxFeatures(t.length) + 16;
    const words = new Uint32Array(total);
    const chars = new Uint32Array(total);
    const counts = new Int32Array(2);
    this.hash(text, words, chars, counts);
    const out: Array<{ id: number; feature: string; family: 'word' | 'char' }> = [];
    // Replays the generation order of hash() to name each id.
    const { wordNgrams, charMin, charMax } = this.settings;
    const minWord = this.settings.minWordLength ?? 1;
    const whitespace = this.settings.charBoundary === 'whitespace';
    const long = toks.filter((x) => x.length >= minWord);
    let w = 0;
    for (let k = 0; k < long.length; k++) {
      out.push({ id: words[w++]!, feature: long[k]!, family: 'word' });
      if (wordNgrams >= 2 && k > 0) {
        for (let m = 1; m < wordNgrams && k - m >= 0; m++) {
          out.push({ id: words[w++]!, feature: long.slice(k - m, k + 1).join(' '), family: 'word' });
        }
      }
    }
    if (charMax > 0) {
      const mark = whitespace ? ' ' : '#';
      const pieces = whitespace
        ? t.split(' ').filter((x) => x.length > 0).slice(0, this.settings.maxTokens)
        : [...long, ...(minWord > 1 ? toks.filter((x) => x.length < minWord) : [])];
      let c = 0;
      for (const piece of pieces) {
        const p = `${mark}${piece}${mark}`;
        for (let a = 0; a < p.length; a++) {
          for (let b = a; b < Math.min(p.length, a + charMax); b++) {
            const n = b - a + 1;
            if (n >= charMin && !(n === 1 && (b === 0 || b === p.length - 1))) out.push({ id: chars[c++]!, feature: p.slice(a, b + 1), family: 'char' });
          }
        }
      }
    }
    return out;
  }
}
