import type { TextStats } from '../text-stats.js';

/**
 * The numeric descriptors of one text that drift is measured on, in one place so the reference
 * profile and a production window compute them identically. Shares are of the raw characters (a
 * 3-character text of 3 digits is 1.0), so they compare texts of different lengths.
 */
export const NUMERIC_DESCRIPTORS = ['length', 'topScore', 'oovRate', 'digitShare', 'upperShare', 'nonAsciiShare'] as const;
export type NumericDescriptor = (typeof NUMERIC_DESCRIPTORS)[number];

/** Share of the text's distinct tokens missing from the sorted vocabulary (0 for a text without tokens). */
export function oovRate(tokenHashes: Uint32Array, vocabulary: Uint32Array): number {
  if (tokenHashes.length === 0) return 0;
  let missing = 0;
  for (let i = 0; i < tokenHashes.length; i++) if (!hasHash(vocabulary, tokenHashes[i]!)) missing++;
  return missing / tokenHashes.length;
}

/** Binary search in a sorted Uint32Array: cheaper to build and to store than a Set of 30k numbers. */
export function hasHash(sorted: Uint32Array, h: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v === h) return true;
    if (v < h) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * Fills one Float64Array per descriptor for rows of stats and top scores (columnar, so a 100k-row
 * window is six typed arrays, not 100k objects).
 */
export function descriptorColumns(
  stats: readonly TextStats[], topScores: ArrayLike<number>, vocabulary: Uint32Array,
): Record<NumericDescriptor, Float64Array> {
  const n = stats.length;
  const out = {
    length: new Float64Array(n), topScore: new Float64Array(n), oovRate: new Float64Array(n),
    digitShare: new Float64Array(n), upperShare: new Float64Array(n), nonAsciiShare: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const s = stats[i]!;
    const chars = s.chars > 0 ? s.chars : 1;
    out.length[i] = s.chars;
    out.topScore[i] = topScores[i] ?? 0;
    out.oovRate[i] = oovRate(s.tokenHashes, vocabulary);
    out.digitShare[i] = s.digits / chars;
    out.upperShare[i] = s.upper / chars;
    out.nonAsciiShare[i] = s.nonAscii / chars;
  }
  return out;
}
