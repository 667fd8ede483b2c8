import { topK } from '../models/top-k.js';

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

/** The k best classes of each row, best first (ties: lower class id first), as rows × k arrays. */
export interface RankedRows {
  /** Entries per row: the k asked for, or the class count when there are fewer classes. */
  readonly k: number;
  readonly ids: Int32Array;
  readonly scores: Float32Array;
}

/** An answer without probability rows (the caller and every observer wanted only ranked classes). */
export const NO_ROWS = new Float32Array(0);

/** The k best classes of every row of a rows × classes matrix (topK of models/, row by row). */
export function rankRows(proba: Float32Array, classes: number, k: number): RankedRows {
  const kk = Math.max(0, Math.min(k, classes));
  const rows = classes === 0 ? 0 : proba.length / classes;
  const ids = new Int32Array(rows * kk);
  const scores = new Float32Array(rows * kk);
  if (kk === 0) return { k: kk, ids, scores };
  for (let r = 0; r < rows; r++) topK(proba, r * classes, classes, kk, ids, scores, r * kk);
  return { k: kk, ids, scores };
}

/**
 * Each row's top-1 and, when k > 1, its k best. The k best already hold the top-1 first (ties to
 * the lower id, as argmaxRows), so one pass over the row serves both: at 815 classes an argmax pass
 * is about 1.4 µs a row, paid on every answered text. A row holding NaN (a broken model) gets the
 * first of its k best as its answer, so the answer and its list agree; argmaxRows would skip a NaN
 * differently.
 */
export function topAndRanked(proba: Float32Array, classes: number, k: number): { ids: Int32Array; scores: Float32Array; ranked: RankedRows | undefined } {
  if (!(k > 1) || classes < 2) return { ...argmaxRows(proba, classes), ranked: undefined };
  const ranked = rankRows(proba, classes, k);
  const rows = proba.length / classes;
  const ids = new Int32Array(rows);
  const scores = new Float32Array(rows);
  for (let r = 0; r < rows; r++) { ids[r] = ranked.ids[r * ranked.k]!; scores[r] = ranked.scores[r * ranked.k]!; }
  return { ids, scores, ranked };
}

/** A request's rows [from, to) of ranked rows. */
export function rankedSlice(r: RankedRows | undefined, from: number, to: number): RankedRows | undefined {
  return r === undefined ? undefined : { k: r.k, ids: r.ids.subarray(from * r.k, to * r.k), scores: r.scores.subarray(from * r.k, to * r.k) };
}

/**
 * The k best classes of text `row` of an answer, into ids/scores (length >= k); returns how many
 * were written. From the ranked rows when they hold at least k (their first k are topK's k: same
 * order, ties to the lower id), else from the probability rows; an answer with neither (a caller
 * that asked for fewer) gets its top-1.
 */
export function answerTopK(a: { readonly proba: Float32Array; readonly ranked?: RankedRows | undefined; readonly topIds: Int32Array; readonly topScores: Float32Array },
  classes: number, row: number, k: number, ids: Int32Array, scores: Float32Array): number {
  const r = a.ranked;
  if (r !== undefined && (r.k >= k || r.k === classes)) {
    const n = Math.min(k, r.k);
    for (let j = 0; j < n; j++) { ids[j] = r.ids[row * r.k + j]!; scores[j] = r.scores[row * r.k + j]!; }
    return n;
  }
  if (a.proba.length >= (row + 1) * classes) return topK(a.proba, row * classes, classes, k, ids, scores);
  if (k < 1 || classes === 0) return 0;
  ids[0] = a.topIds[row]!;
  scores[0] = a.topScores[row]!;
  return 1;
}
