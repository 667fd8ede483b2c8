/** Top-1 class id and probability of each row of a rows × classes matrix. */
export function argmaxRows(proba: Float32Array, classes: number): { ids: Int32Array; scores: Float32Array } {
  const rows = classes === 0 ? 0 : proba.length / classes;
  const ids = new Int32Array(rows);
  const scores = new Float32Array(rows);
  for (let r = 0, o = 0; r < rows; r++, o += classes) {
    let best = 0;
    let p = proba[o]!;
    for (let c = 1; c < classes; c++) {
      const q = proba[o + c]!;
      if (q > p) { p = q; best = c; }
    }
    ids[r] = best;
    scores[r] = p;
  }
  return { ids, scores };
}
