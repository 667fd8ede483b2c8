/**
 * The k best classes of one probability row, best first (ties: lower class id first), written at
 * outIds/outScores[outOffset ..]; returns how many were written.
 *
 * The first k classes fill the list; after that each class is compared with the k-th best so far,
 * kept in a local (`floor`) rather than re-read from outScores (on the 815-class HS4 model that
 * took a top-5 from 2.7 to 1.7 µs), four classes to one branch: after the first few classes nearly
 * every block of four is below the floor, and one well-predicted branch per block rather than per
 * class took it from about 1.9 to 1.25 µs (the log ranks every answered text this way). outOffset
 * lets a caller rank many rows into one array without a subarray per row (two view allocations
 * cost more than the ranking of a single-text request).
 */
export function topK(proba: Float32Array, offset: number, classes: number, k: number, outIds: Int32Array, outScores: Float32Array, outOffset = 0): number {
  const m = Math.min(k, classes);
  const o = outOffset;
  let n = 0;
  let c = 0;
  for (; c < classes && n < m; c++) {
    const p = proba[offset + c]!;
    let j = n++;
    while (j > 0 && outScores[o + j - 1]! < p) { outScores[o + j] = outScores[o + j - 1]!; outIds[o + j] = outIds[o + j - 1]!; j--; }
    outScores[o + j] = p; outIds[o + j] = c;
  }
  if (n < m || m <= 0) return n;
  let floor = outScores[o + m - 1]!;
  const end = offset + classes;
  let i = offset + c;
  for (const end4 = end - 3; i < end4; i += 4) {
    if (proba[i]! <= floor && proba[i + 1]! <= floor && proba[i + 2]! <= floor && proba[i + 3]! <= floor) continue;
    for (let j4 = 0; j4 < 4; j4++) floor = place(proba, i + j4, offset, m, floor, outIds, outScores, o);
  }
  for (; i < end; i++) floor = place(proba, i, offset, m, floor, outIds, outScores, o);
  return n;
}

/** Puts proba[i] in the full list when it beats the k-th best (a NaN goes in last, as the plain loop did); returns the new k-th best. */
function place(proba: Float32Array, i: number, offset: number, m: number, floor: number, outIds: Int32Array, outScores: Float32Array, o: number): number {
  const p = proba[i]!;
  if (p <= floor) return floor;
  let j = m - 1;
  while (j > 0 && outScores[o + j - 1]! < p) { outScores[o + j] = outScores[o + j - 1]!; outIds[o + j] = outIds[o + j - 1]!; j--; }
  outScores[o + j] = p; outIds[o + j] = i - offset;
  return outScores[o + m - 1]!;
}
