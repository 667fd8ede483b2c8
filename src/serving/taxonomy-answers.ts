import { answerTopK, type RankedRows } from './rows.js';
import { NOT_IN_TAXONOMY, SPLIT, type ClassMapping } from './serving-taxonomy.js';

/**
 * A batch's answers in the endpoint's active taxonomy (test/taxonomy/answer-transform-reference.ts is the same
 * rule on one ranked list; this is its batch form on typed arrays): per text up to `k` codes, best
 * first, the scores of model classes that land on one code summed; `counts[row]` of them are set.
 * A text goes to review when its best class was split by the transition table (`splitClass`) or
 * when none of its searched classes is a code of the taxonomy (`counts` 0).
 */
export interface TaxonomyAnswers {
  readonly mapping: ClassMapping;
  readonly k: number;
  readonly codes: Int32Array;
  readonly scores: Float32Array;
  readonly counts: Uint8Array;
  /** Per text: the best class when the table split it (review among its candidates), else -1. */
  readonly splitClass: Int32Array;
  /** Per text: the best-ranked model class behind the answered code and its own score (-1: none), for the decision thresholds. */
  readonly chosenClass: Int32Array;
  readonly chosenScore: Float32Array;
  /**
   * For texts with no valid code: up to NEAR_SUGGESTIONS codes near the model's searched guesses (ClassMapping.nearest,
   * a split guess's candidates), each scored with the summed scores of the guesses it stands for, best
   * first; `counts[row]` of them are set, from row * NEAR_SUGGESTIONS. Absent when no text of the answer lacked a valid code.
   */
  readonly near?: { readonly codes: Int32Array; readonly scores: Float32Array; readonly counts: Uint8Array } | undefined;
}

export type TaxonomyReview = 'taxonomy-split' | 'no-valid-code';

export function taxonomyReview(t: TaxonomyAnswers, row: number): TaxonomyReview | null {
  if (t.splitClass[row]! >= 0) return 'taxonomy-split';
  return t.counts[row] === 0 ? 'no-valid-code' : null;
}

/** The code that went back for text `row`: the best mapped code, or '' when the taxonomy sent the text to review. */
export function answeredCode(t: TaxonomyAnswers, row: number): string {
  return taxonomyReview(t, row) === null ? t.mapping.codes[t.codes[row * t.k]!]! : '';
}

type Ranked = { readonly proba: Float32Array; readonly ranked?: RankedRows | undefined; readonly topIds: Int32Array; readonly topScores: Float32Array };

/**
 * Maps every text of an answer: its `searchK` best classes (already ranked in the serving thread
 * when the call asked for that many) through `mapping.target`, merged, sorted, cut to `k`.
 * Allocates its output arrays and nothing per text.
 */
export function mapAnswers(mapping: ClassMapping, a: Ranked, classes: number, searchK: number, k: number): TaxonomyAnswers {
  const rows = a.topIds.length;
  const search = Math.max(1, Math.min(searchK, classes));
  const out = Math.max(1, Math.min(k, search));
  const codes = new Int32Array(rows * out).fill(-1);
  const scores = new Float32Array(rows * out);
  const counts = new Uint8Array(rows);
  const splitClass = new Int32Array(rows).fill(-1);
  const chosenClass = new Int32Array(rows).fill(-1);
  const chosenScore = new Float32Array(rows);
  const ids = new Int32Array(search);
  const sc = new Float32Array(search);
  // Per text scratch: merged codes, their summed scores, and the best-ranked class behind each.
  const mc = new Int32Array(search);
  const ms = new Float32Array(search);
  const mk = new Int32Array(search);
  const target = mapping.target;
  let near: NearCodes | undefined;
  for (let row = 0; row < rows; row++) {
    const n = answerTopK(a, classes, row, search, ids, sc);
    let m = 0;
    for (let j = 0; j < n; j++) {
      const t = target[ids[j]!]!;
      if (t === SPLIT) {
        if (j === 0) splitClass[row] = ids[0]!;
        continue;
      }
      if (t === NOT_IN_TAXONOMY) continue;
      let at = 0;
      while (at < m && mc[at] !== t) at++;
      if (at === m) { mc[m] = t; ms[m] = 0; mk[m] = j; m++; }
      ms[at] = ms[at]! + sc[j]!;
    }
    // Insertion sort of at most `search` entries: higher summed score first, then the better-ranked class.
    for (let i = 1; i < m; i++) {
      const c = mc[i]!, s = ms[i]!, r = mk[i]!;
      let p = i - 1;
      while (p >= 0 && (ms[p]! < s || (ms[p] === s && mk[p]! > r))) { mc[p + 1] = mc[p]!; ms[p + 1] = ms[p]!; mk[p + 1] = mk[p]!; p--; }
      mc[p + 1] = c; ms[p + 1] = s; mk[p + 1] = r;
    }
    const kept = Math.min(m, out);
    for (let i = 0; i < kept; i++) { codes[row * out + i] = mc[i]!; scores[row * out + i] = ms[i]!; }
    counts[row] = kept;
    if (m > 0) { chosenClass[row] = ids[mk[0]!]!; chosenScore[row] = sc[mk[0]!]!; }
    else if (splitClass[row]! < 0) (near ??= new NearCodes(rows, NEAR_SUGGESTIONS)).fill(mapping, row, ids, sc, n);
  }
  return { mapping, k: out, codes, scores, counts, splitClass, chosenClass, chosenScore, ...(near ? { near: near.done() } : {}) };
}

/** Near codes kept per text without a valid code (TaxonomyAnswers.near), whatever top the caller asked for: a person chooses among them. */
export const NEAR_SUGGESTIONS = 5;

/** The near codes of the texts without a valid code; made at the first such text (answers with valid codes pay nothing). */
class NearCodes {
  private readonly codes: Int32Array;
  private readonly scores: Float32Array;
  private readonly counts: Uint8Array;
  private readonly merged = new Map<number, number>();

  constructor(rows: number, private readonly k: number) {
    this.codes = new Int32Array(rows * k).fill(-1);
    this.scores = new Float32Array(rows * k);
    this.counts = new Uint8Array(rows);
  }

  /** Merges the near codes of the row's `n` searched classes (ids/sc, best first), keeps the k best by summed score. */
  fill(mapping: ClassMapping, row: number, ids: Int32Array, sc: Float32Array, n: number): void {
    const merged = this.merged;
    merged.clear();
    for (let j = 0; j < n; j++) {
      const codes = mapping.nearest.get(ids[j]!) ?? mapping.splits.get(ids[j]!);
      if (codes === undefined) continue;
      for (const c of codes) merged.set(c, (merged.get(c) ?? 0) + sc[j]!);
    }
    // Map order is first-seen order, so equal sums keep the better-ranked guess's codes first (sort is stable).
    const best = [...merged].sort((a, b) => b[1] - a[1]).slice(0, this.k);
    best.forEach(([c, s], i) => { this.codes[row * this.k + i] = c; this.scores[row * this.k + i] = s; });
    this.counts[row] = best.length;
  }

  done(): NonNullable<TaxonomyAnswers['near']> {
    return { codes: this.codes, scores: this.scores, counts: this.counts };
  }
}

/**
 * Per text 1 (auto) or 0 (review): 0 whenever the taxonomy sends it to review; otherwise the
 * endpoint's thresholds (when it has a target precision) on the class behind the answered code, or 1.
 */
export function taxonomyDecisions(t: TaxonomyAnswers, thresholds: Float32Array | null | undefined): Uint8Array {
  const rows = t.counts.length;
  const out = new Uint8Array(rows);
  for (let row = 0; row < rows; row++) {
    if (t.splitClass[row]! >= 0 || t.counts[row] === 0) continue;
    if (thresholds === null) continue;
    out[row] = thresholds === undefined || t.chosenScore[row]! >= thresholds[t.chosenClass[row]!]! ? 1 : 0;
  }
  return out;
}
