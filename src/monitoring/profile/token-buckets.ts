/**
 * Token hashes folded into buckets for the token-frequency sketch. Fibonacci hashing (multiply by
 * 2^32/phi, keep the top bits) spreads FNV-1a's hashes evenly whatever their low bits look like,
 * and keeping the top bits means a sketch of 2^b buckets folds into 2^(b-k) by a shift, which is
 * how the Jensen-Shannon test reads the profile's 4,096 buckets at a coarser size.
 */
export const PROFILE_TOKEN_BUCKET_BITS = 12;

export function tokenBucket(hash: number, bits: number): number {
  return Math.imul(hash, 0x9e3779b1) >>> (32 - bits);
}

/** Counts of a sketch of 2^fromBits buckets summed into 2^toBits buckets (toBits <= fromBits). */
export function foldBuckets(counts: ArrayLike<number>, fromBits: number, toBits: number): Float64Array {
  const out = new Float64Array(1 << toBits);
  const shift = fromBits - toBits;
  for (let i = 0; i < counts.length; i++) out[i >>> shift]! += counts[i]!;
  return out;
}
