import { InputError } from '../core/errors.js';
import { taxonomyReview, type TaxonomyAnswers } from './taxonomy-answers.js';

/** The extra OIP output of an endpoint with an active taxonomy: each answered code's official description. */
export const OIP_DESCRIPTION_OUTPUT = 'description';

type Tensor = { readonly name: string; readonly datatype: string; readonly shape: readonly number[]; readonly data: readonly (string | number)[] };

/**
 * One output tensor of an answer under an active taxonomy. `label` is the answered code ("" for a
 * text the taxonomy sends to review, whose `decision` is "review"), `score` its score (0 then),
 * `description` its official description; the classification extension gives "score:index:code"
 * strings, index being the code's place in the endpoint's code list. `probabilities` is refused:
 * its columns are the model's classes, some of which the taxonomy lacks.
 */
export function taxonomyTensor(t: TaxonomyAnswers, name: string, classification: number, endpoint: string): Tensor {
  const rows = t.counts.length;
  const m = t.mapping;
  const first = (row: number): number => (taxonomyReview(t, row) === null ? t.codes[row * t.k]! : -1);
  if (classification > 0) {
    const k = Math.min(classification, t.k);
    const data: string[] = [];
    for (let row = 0; row < rows; row++) {
      for (let j = 0; j < k; j++) {
        const c = j < t.counts[row]! ? t.codes[row * t.k + j]! : -1;
        data.push(c < 0 ? '' : `${t.scores[row * t.k + j]!}:${c}:${m.codes[c]!}`);
      }
    }
    return { name, datatype: 'BYTES', shape: [rows, k], data };
  }
  if (name === 'label') return { name, datatype: 'BYTES', shape: [rows], data: Array.from({ length: rows }, (_, row) => { const c = first(row); return c < 0 ? '' : m.codes[c]!; }) };
  if (name === 'score') return { name, datatype: 'FP32', shape: [rows], data: Array.from({ length: rows }, (_, row) => (first(row) < 0 ? 0 : t.scores[row * t.k]!)) };
  if (name === OIP_DESCRIPTION_OUTPUT) return { name, datatype: 'BYTES', shape: [rows], data: Array.from({ length: rows }, (_, row) => { const c = first(row); return c < 0 ? '' : m.descriptions[c]!; }) };
  throw new InputError('bad-request', `endpoint ${endpoint} answers in taxonomy ${m.taxonomy}: the "${name}" output (the model's own classes) is not available; ask for label, score, description or decision`,
    { endpoint, field: 'outputs' });
}
