import type { EndpointAnswer } from '../serving/endpoint.js';
import { answerTopK } from '../serving/rows.js';

/**
 * The result message of one input: its id, the label and score, the top k, and who answered
 * (endpoint, model, version, variant). Scores are written as JSON.stringify writes numbers.
 */
export function encodeStreamResult(id: string, a: EndpointAnswer, row: number, top: number): string {
  const labels = a.model.labels;
  const k = Math.min(top, labels.length);
  const ids = new Int32Array(k);
  const scores = new Float32Array(k);
  const n = answerTopK(a, labels.length, row, k, ids, scores);
  const best = new Array<{ label: string; score: number }>(n);
  for (let j = 0; j < n; j++) best[j] = { label: labels[ids[j]!]!, score: scores[j]! };
  return JSON.stringify({
    id, label: labels[a.topIds[row]!]!, score: a.topScores[row]!, top: best,
    endpoint: a.endpoint, model: a.model.name, version: a.model.version, variant: a.variant,
  });
}

/** One message for a micro-batch's results: `{"results": [...]}`, each as encodeStreamResult writes it. */
export function encodeResultBatch(results: readonly string[]): string {
  return `{"results":[${results.join(',')}]}`;
}

/** A dead letter: why the input could not be classified, where it was, and its body as received. */
export interface DeadLetter {
  readonly reason: string;
  /** The input's id when it could be read. */
  readonly id?: string | undefined;
  readonly stream: string;
  readonly seq: number;
  readonly subject: string;
  readonly deliveries: number;
  /** The body as text (invalid UTF-8 replaced). */
  readonly body: string;
}
