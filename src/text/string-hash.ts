import { fmix32 } from './ngram-hasher.js';

/** FNV-1a over UTF-16 code units: a stable 32-bit id for a token, so the near-duplicate memory stores numbers, not strings. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A 32-bit hash of a string keyed by a seed (FNV-1a, then murmur3's finaliser with the seed mixed
 * in): the same text and seed give the same value on every run, whatever other rows a dataset
 * holds. Splits and folds order a class's text groups by it, so that a row keeps its side when the
 * dataset grows (data/split.ts, models/ensemble/folds.ts).
 */
export function seededTextHash(text: string, seed: number): number {
  return fmix32(fnv1a32(text) ^ fmix32(seed >>> 0));
}
