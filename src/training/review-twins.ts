import { nearDuplicateTokens } from '../models/ensemble/near-duplicate-key.js';

/**
 * How alike a reviewed row and a traffic row must be (cosine of their folded token sets, each token
 * weighted by its inverse document frequency) for the reviewed row to count as the traffic row's
 * twin. On the review benchmark's last version (bench:review, whole train side, with only exact
 * folded twins left out) 28 of the evidence's 45 errors in the top fifth of its scores had a
 * reviewed row at 0.7 or more, in the fold model's training, carrying the wrong answer, and 39 at
 * 0.5; the test side's top fifth had 28 errors for 1,759 texts where the evidence had 45 for 2,123.
 * 0.7 was tried first; 0.5 then gave
 * more coverage at 0.98 in cycles 1-3 of both bench:review runs (28.9, 34.3, 35.4% against 27.8,
 * 32.4, 34.0% on the whole train side; 21.3, 25.3, 25.4% against 20.1, 25.5, 24.7% on the default)
 * at the same precision (0.980-0.983), so it was chosen on that benchmark. At 0.5 a fold model of
 * that last version leaves out about 5,100 of its 16,300 reviewed rows.
 */
export const TWIN_SIMILARITY = 0.5;

/**
 * A token found in more rows than this does not propose candidates (it still counts in the
 * similarity): a twin at TWIN_SIMILARITY shares a rarer token, and walking "used" or "parts" for
 * every reviewed row would cost rows x rows.
 */
const CANDIDATE_DF = 200;

/**
 * Per fold, the reviewed rows that are twins of a traffic row the fold scores, which that fold's
 * model must not learn from (cross-fit.ts).
 *
 * Why: a reviewed row is a text a model routed to a person after it had learnt every traffic row.
 * A line much like a known one that still left the model unsure is often one a person files under
 * another code than its twin in the data ("USED GAS COOKER (4 BURNER)" under 8516 in the data,
 * its reviewed twin under 7321). A fold model that learnt the reviewed twin but not the traffic row
 * scores the traffic row confidently wrong, where the served model, which learnt both, is unsure
 * on such lines; texts the served model has not seen have no twin picked for them. So the evidence
 * read each retrain as worse at the top than its traffic found it: on the review benchmark (whole
 * train side) the top fifth of the evidence's scores held 37, 47, 47, 44 errors after cycles 0-3
 * while the test side's top grew more precise, and the fitted coverage at 0.98 went 28.9, 27.1,
 * 32.5, 31.0%; leaving the twins out, 28.9, 28.9, 34.3, 35.4% at 0.979-0.981 real precision. The
 * bias is not all gone: reviewed rows less alike than this still teach the fold models, and the
 * validation rows' scores come from the validated fit, which learnt every reviewed row.
 *
 * `texts` indexes every row; `scored` / `foldOf` are the cross-fit's rows and folds; `reviewed`
 * marks review answers (by index into `texts`).
 */
export function reviewTwinsByFold(texts: readonly string[], reviewed: Uint8Array, scored: Int32Array, foldOf: Int32Array, folds: number): Array<Set<number>> {
  const out = Array.from({ length: folds }, () => new Set<number>());
  const tokens = texts.map((t) => [...new Set(nearDuplicateTokens(t))].sort());
  const df = new Map<string, number>();
  for (const ts of tokens) for (const t of ts) df.set(t, (df.get(t) ?? 0) + 1);
  const idf2 = (t: string) => Math.log(texts.length / (df.get(t) ?? 1)) ** 2;
  const norm2 = tokens.map((ts) => ts.reduce((s, t) => s + idf2(t), 0));
  // Traffic rows by fold, and by their rare tokens and their whole key (a line of common words only has no rare token).
  const foldOfRow = new Map<number, number>();
  const byToken = new Map<string, number[]>();
  const byKey = new Map<string, Set<number>>();
  for (let k = 0; k < scored.length; k++) {
    const i = scored[k]!;
    if (reviewed[i] === 1 || tokens[i]!.length === 0) continue;
    foldOfRow.set(i, foldOf[k]!);
    for (const t of tokens[i]!) if (df.get(t)! <= CANDIDATE_DF) (byToken.get(t) ?? byToken.set(t, []).get(t)!).push(i);
    const key = tokens[i]!.join(' ');
    (byKey.get(key) ?? byKey.set(key, new Set()).get(key)!).add(foldOf[k]!);
  }
  const seen = new Set<number>();
  for (let r = 0; r < texts.length; r++) {
    if (reviewed[r] !== 1 || tokens[r]!.length === 0) continue;
    for (const f of byKey.get(tokens[r]!.join(' ')) ?? []) out[f]!.add(r);
    const mine = new Set(tokens[r]);
    seen.clear();
    for (const t of tokens[r]!) {
      for (const x of byToken.get(t) ?? []) {
        if (seen.has(x)) continue;
        seen.add(x);
        const f = foldOfRow.get(x)!;
        if (out[f]!.has(r)) continue;
        let dot = 0;
        for (const u of tokens[x]!) if (mine.has(u)) dot += idf2(u);
        if (dot >= TWIN_SIMILARITY * Math.sqrt(norm2[r]! * norm2[x]!)) out[f]!.add(r);
      }
    }
  }
  return out;
}
