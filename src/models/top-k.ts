/** The k best classes of one probability row, best first (ties: lower class id first). */
export function topK(proba: Float32Array, offset: number, classes: number, k: number, outIds: Int32Array, outScores: Float32Array): number {
  const m = Math.min(k, classes);
  let n = 0;
  for (let c = 0; c < classes; c++) {
    const p = proba[offset + c]!;
    if (n === m && p <= outScores[m - 1]!) continue;
    let j = n < m ? n++ : m - 1;
    while (j > 0 && outScores[j - 1]! < p) { outScores[j] = outScores[j - 1]!; outIds[j] = outIds[j - 1]!; j--; }
    outScores[j] = p; outIds[j] = c;
  }
  return n;
}
