/**
 * The order of `width`-number tuples (flat: tuple i is flat[i * width .. i * width + width)) sorted
 * by their first field, then the second, and so on: a stable LSD radix sort, 16 bits a pass, from
 * the last field to the first. The lookup catch-up sorts its key tuples into a run (key-runs.ts);
 * with Array.prototype.sort and a comparator, sorting 100,000 (key, at, seq) tuples took about
 * 2 µs a tuple, the largest part of a catch-up after reading the segments. Fields must be whole
 * numbers in [0, 2^53): keys, times and seqs are; anything else (a negative time a test wrote),
 * and fewer than SMALL tuples, go to the comparator sort instead.
 */
export function tupleOrder(flat: ArrayLike<number>, width: number): Uint32Array {
  const n = Math.floor(flat.length / width);
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // A lookup's catch-up sorts a handful of tuples: a radix pass over 65,536 counters would cost more.
  if (n < SMALL || !radixSortable(flat)) return comparatorOrder(flat, width, order);
  let spare = new Uint32Array(n);
  const counts = new Uint32Array(RADIX + 1);
  for (let f = width - 1; f >= 0; f--) {
    let max = 0;
    for (let i = 0; i < n; i++) { const v = flat[i * width + f]!; if (v > max) max = v; }
    for (let scale = 1; scale <= max; scale *= RADIX) {
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[(Math.floor(flat[order[i]! * width + f]! / scale) & MASK) + 1]!++;
      for (let d = 1; d <= RADIX; d++) counts[d]! += counts[d - 1]!;
      for (let i = 0; i < n; i++) {
        const t = order[i]!;
        spare[counts[Math.floor(flat[t * width + f]! / scale) & MASK]!++] = t;
      }
      const swap = order; order = spare; spare = swap;
    }
  }
  return order;
}

const RADIX = 65536;
const SMALL = 4096;
const MASK = RADIX - 1;

function radixSortable(flat: ArrayLike<number>): boolean {
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i]!;
    if (!(v >= 0 && v < 2 ** 53 && Math.floor(v) === v)) return false;
  }
  return true;
}

function comparatorOrder(flat: ArrayLike<number>, width: number, order: Uint32Array): Uint32Array {
  return order.sort((a, b) => {
    for (let k = 0; k < width; k++) {
      const d = flat[a * width + k]! - flat[b * width + k]!;
      if (d !== 0) return d;
    }
    return a - b;
  });
}
