/**
 * Top-1 class id and probability of each row of a rows × classes matrix: the first index of the
 * row's largest value (compared with `>`, so a NaN is never picked after the first column).
 *
 * Four running maxima over interleaved columns instead of one: the single running maximum made
 * each comparison wait for the previous one, and this loop was about 8% of a serving thread's time
 * under 32-text requests on the 815-class HS4 model (CPU profile). The four are merged with ties
 * going to the lower index, so the answer is the one-maximum loop's.
 */
export function argmaxRows(proba: Float32Array, classes: number): { ids: Int32Array; scores: Float32Array } {
  const rows = classes === 0 ? 0 : proba.length / classes;
  const ids = new Int32Array(rows);
  const scores = new Float32Array(rows);
  for (let r = 0, o = 0; r < rows; r++, o += classes) {
    const first = proba[o]!;
    let va = first, vb = first, vc = first, vd = first;
    let ia = 0, ib = 0, ic = 0, id = 0;
    let c = 1;
    for (; c + 3 < classes; c += 4) {
      const qa = proba[o + c]!, qb = proba[o + c + 1]!, qc = proba[o + c + 2]!, qd = proba[o + c + 3]!;
      if (qa > va) { va = qa; ia = c; }
      if (qb > vb) { vb = qb; ib = c + 1; }
      if (qc > vc) { vc = qc; ic = c + 2; }
      if (qd > vd) { vd = qd; id = c + 3; }
    }
    for (; c < classes; c++) {
      const q = proba[o + c]!;
      if (q > va) { va = q; ia = c; }
    }
    if (vb > va || (vb === va && ib < ia)) { va = vb; ia = ib; }
    if (vc > va || (vc === va && ic < ia)) { va = vc; ia = ic; }
    if (vd > va || (vd === va && id < ia)) { va = vd; ia = id; }
    ids[r] = ia;
    scores[r] = va;
  }
  return { ids, scores };
}
