import { classifyCorrelation, type CodeChange } from '../../src/taxonomy/correlation-kinds.js';
import type { CorrelationTable, TaxonomyCode } from '../../src/taxonomy/taxonomy.js';

/** One ranked answer of a classifier, as serving returns them (structurally the same as serving's). */
export interface ScoredLabel {
  readonly label: string;
  readonly score: number;
}

/**
 * What a served variant's answer becomes under its endpoint's active taxonomy:
 * - `ranked`: only codes the taxonomy has, best first (labels remapped through the transition table
 *   when one is set, the scores of codes merged into one new code summed);
 * - `review`: set when the answer cannot be decided automatically: the best label was split by the
 *   table (a person picks among `candidates`), or no ranked label is a valid code at all;
 * - `descriptions`: the official description of each returned code.
 * This is the rule written plainly, one ranked list at a time: the reference that serving's batch
 * form on typed arrays (src/serving/taxonomy-answers.ts, mapAnswers) is tested against. (Serving
 * suggests near valid codes for a no-valid-code review; this reference keeps the model's guesses.)
 */
export interface TransformedAnswer {
  readonly ranked: readonly ScoredLabel[];
  readonly review: { readonly reason: 'taxonomy-split' | 'no-valid-code'; readonly candidates: readonly string[] } | null;
  readonly descriptions: Readonly<Record<string, string>>;
}

export type AnswerTransform = (ranked: readonly ScoredLabel[]) => TransformedAnswer;

/**
 * Builds the transform for one variant: `active` is the endpoint's taxonomy (its codes), `table` the
 * correlation table the variant's answers go through while its model still speaks the old taxonomy
 * (omit it once a model trained on the new taxonomy serves). A model never answers a code outside
 * `active`: invalid codes are dropped and the best valid one answers, or the text goes to review.
 */
export function answerTransform(active: readonly TaxonomyCode[], table?: CorrelationTable): AnswerTransform {
  const descriptions = new Map(active.map((c) => [c.code, c.description]));
  const changes: ReadonlyMap<string, CodeChange> = table === undefined ? new Map() : classifyCorrelation(table.pairs);
  return (ranked) => {
    const merged = new Map<string, number>();
    let review: TransformedAnswer['review'] = null;
    ranked.forEach((r, i) => {
      const change = changes.get(r.label);
      if (change?.kind === 'one-to-many') {
        if (i === 0) review = { reason: 'taxonomy-split', candidates: change.targets };
        return;
      }
      const code = change?.targets[0] ?? r.label;
      if (!descriptions.has(code)) return;
      merged.set(code, (merged.get(code) ?? 0) + r.score);
    });
    const out = [...merged].map(([label, score]) => ({ label, score })).sort((a, b) => b.score - a.score || (a.label < b.label ? -1 : 1));
    if (out.length === 0 && review === null) review = { reason: 'no-valid-code', candidates: [] };
    return { ranked: out, review, descriptions: Object.fromEntries(out.map((r) => [r.label, descriptions.get(r.label)!])) };
  };
}
