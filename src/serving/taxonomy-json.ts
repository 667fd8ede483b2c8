import { NEAR_SUGGESTIONS, taxonomyReview, type TaxonomyAnswers } from './taxonomy-answers.js';

const num = (x: number): string => (Number.isFinite(x) ? String(x) : 'null');

/**
 * The fields of text `row` of a REST or stream answer under an active taxonomy, as a JSON fragment
 * (no braces): `label`, `score` and `description` of the answered code (null when the text goes to
 * review for the taxonomy), `top` (up to `top` codes with their descriptions), `decision`, and for a
 * text routed by the taxonomy `review: {reason, candidates}` (reviewCandidates, with descriptions). Codes and
 * descriptions are JSON literals made once per deployment (ClassMapping).
 */
export function taxonomyFieldsJson(t: TaxonomyAnswers, row: number, top: number, decision: 0 | 1): string {
  const m = t.mapping;
  const reason = taxonomyReview(t, row);
  const n = Math.min(t.counts[row]!, top);
  let out = '';
  if (reason === null) {
    const c = t.codes[row * t.k]!;
    out = `"label":${m.quotedCodes[c]!},"score":${num(t.scores[row * t.k]!)},"description":${m.quotedDescriptions[c]!},"top":[`;
  } else {
    out = '"label":null,"score":null,"description":null,"top":[';
  }
  for (let j = 0; j < n; j++) {
    const c = t.codes[row * t.k + j]!;
    out += `${j > 0 ? ',' : ''}{"label":${m.quotedCodes[c]!},"score":${num(t.scores[row * t.k + j]!)},"description":${m.quotedDescriptions[c]!}}`;
  }
  out += `],"decision":${decision === 1 ? '"auto"' : '"review"'}`;
  if (reason !== null) {
    let candidates = '';
    reviewCandidates(t, row).forEach((c, j) => { candidates += `${j > 0 ? ',' : ''}{"label":${m.quotedCodes[c]!},"description":${m.quotedDescriptions[c]!}}`; });
    out += `,"review":{"reason":"${reason}","candidates":[${candidates}]}`;
  }
  return out;
}

/**
 * The code indexes a person chooses among for a text the taxonomy routed: a split's candidates, or
 * for a text without a valid code the codes nearest the model's guesses (TaxonomyAnswers.near; none
 * when no guess shares even a chapter with a code of the taxonomy).
 */
export function reviewCandidates(t: TaxonomyAnswers, row: number): Int32Array {
  const split = t.mapping.splits.get(t.splitClass[row]!);
  if (split !== undefined) return split;
  const near = t.near;
  if (near === undefined || t.counts[row]! > 0) return NONE;
  return near.codes.subarray(row * NEAR_SUGGESTIONS, row * NEAR_SUGGESTIONS + near.counts[row]!);
}

const NONE = new Int32Array(0);

/**
 * The codes a person chooses among for text `row` (at most k): a split's candidates, the codes
 * nearest the model's guesses when it named no valid one, else the answered codes.
 */
export function reviewSuggestions(t: TaxonomyAnswers, row: number, modelScore: number, k: number): { label: string; score: number; description?: string }[] {
  const m = t.mapping;
  // The person reviewing reads the code's description beside it ('' in the mapping: the taxonomy has none).
  const suggestion = (c: number, score: number) => {
    const description = m.descriptions[c] ?? '';
    return description === '' ? { label: m.codes[c]!, score } : { label: m.codes[c]!, score, description };
  };
  const split = m.splits.get(t.splitClass[row]!);
  // A split's candidates share the score the model gave the old code: none of them is preferred.
  if (split !== undefined) return Array.from(split.subarray(0, k), (c) => suggestion(c, modelScore));
  const out: { label: string; score: number; description?: string }[] = [];
  const near = t.near;
  if (t.counts[row] === 0 && near !== undefined) {
    for (let j = 0; j < Math.min(near.counts[row]!, k); j++) out.push(suggestion(near.codes[row * NEAR_SUGGESTIONS + j]!, near.scores[row * NEAR_SUGGESTIONS + j]!));
    return out;
  }
  for (let j = 0; j < Math.min(t.counts[row]!, k); j++) out.push(suggestion(t.codes[row * t.k + j]!, t.scores[row * t.k + j]!));
  return out;
}
