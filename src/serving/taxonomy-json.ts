import { taxonomyReview, type TaxonomyAnswers } from './taxonomy-answers.js';

const num = (x: number): string => (Number.isFinite(x) ? String(x) : 'null');

/**
 * The fields of text `row` of a REST or stream answer under an active taxonomy, as a JSON fragment
 * (no braces): `label`, `score` and `description` of the answered code (null when the text goes to
 * review for the taxonomy), `top` (up to `top` codes with their descriptions), `decision`, and for a
 * text routed by the taxonomy `review: {reason, candidates}` (a split's candidate codes). Codes and
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
    const split = m.splits.get(t.splitClass[row]!);
    let candidates = '';
    if (split !== undefined) for (let j = 0; j < split.length; j++) candidates += `${j > 0 ? ',' : ''}{"label":${m.quotedCodes[split[j]!]!},"description":${m.quotedDescriptions[split[j]!]!}}`;
    out += `,"review":{"reason":"${reason}","candidates":[${candidates}]}`;
  }
  return out;
}

/** The codes a person chooses among for text `row`: a split's candidates, else the answered codes (at most k). */
export function reviewSuggestions(t: TaxonomyAnswers, row: number, modelScore: number, k: number): { label: string; score: number }[] {
  const m = t.mapping;
  const split = m.splits.get(t.splitClass[row]!);
  // A split's candidates share the score the model gave the old code: none of them is preferred.
  if (split !== undefined) return Array.from(split.subarray(0, k), (c) => ({ label: m.codes[c]!, score: modelScore }));
  const out: { label: string; score: number }[] = [];
  for (let j = 0; j < Math.min(t.counts[row]!, k); j++) out.push({ label: m.codes[t.codes[row * t.k + j]!]!, score: t.scores[row * t.k + j]! });
  return out;
}
