/**
 * Sticky variant assignment: a request key is hashed (FNV-1a, 32 bit) to a point in [0, 1) and
 * mapped onto the cumulative weights, so the same key keeps landing on the same variant while the
 * weights stay the same. Without a key the point is random.
 */
export function keyPoint(key: string | undefined, random: () => number = Math.random): number {
  if (key === undefined) return random();
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // One extra avalanche round: FNV's low bits vary little for keys differing only at the end.
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** Index of the bucket the point falls in; `cumulative` holds running weight totals. */
export function pickByWeight(cumulative: readonly number[], point: number): number {
  const total = cumulative[cumulative.length - 1] ?? 0;
  const x = point * total;
  for (let i = 0; i < cumulative.length; i++) if (x < cumulative[i]!) return i;
  return cumulative.length - 1;
}
