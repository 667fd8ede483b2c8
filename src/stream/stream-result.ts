import type { EndpointAnswer } from '../serving/endpoint.js';
import { answerTopK } from '../serving/rows.js';
import { taxonomyFieldsJson } from '../serving/taxonomy-json.js';

/** Each label as a JSON string literal, made once per model (labels arrays live as long as their model). */
const quotedLabels = new WeakMap<readonly string[], string[]>();

function quoted(labels: readonly string[]): string[] {
  let q = quotedLabels.get(labels);
  if (!q) quotedLabels.set(labels, (q = labels.map((l) => JSON.stringify(l))));
  return q;
}

/**
 * `"endpoint":…,"model":…,"version":…,"variant":…` of an answer, made once per answer (one per
 * variant and micro-batch) rather than four JSON.stringify calls per result.
 */
const tails = new WeakMap<EndpointAnswer, string>();

function tailOf(a: EndpointAnswer): string {
  let t = tails.get(a);
  if (t === undefined) {
    t = `"endpoint":${JSON.stringify(a.endpoint)},"model":${JSON.stringify(a.model.name)},"version":${JSON.stringify(a.model.version)},"variant":${JSON.stringify(a.variant)}`;
    tails.set(a, t);
  }
  return t;
}

/** A number as JSON.stringify writes it. */
const num = (x: number): string => (Number.isFinite(x) ? String(x) : 'null');

/**
 * The result message of one input: its id, the label and score, the top k, and who answered
 * (endpoint, model, version, variant), and `decision` ("auto" / "review") when the endpoint has a
 * target precision (under an active taxonomy: taxonomy-json.ts's fields instead); byte for byte JSON.stringify of that object, written
 * straight into one string with the labels quoted once per model (a CPU profile of a worker showed
 * the result objects and their JSON.stringify as the largest share of its own code).
 */
export function encodeStreamResult(id: string, a: EndpointAnswer, row: number, top: number, ids: Int32Array, scores: Float32Array): string {
  if (a.taxonomy !== undefined) {
    // Under an active taxonomy: codes with their descriptions, a decision always, and why a text goes to review.
    return `{"id":${JSON.stringify(id)},${taxonomyFieldsJson(a.taxonomy, row, top, a.decisions![row] === 1 ? 1 : 0)},${tailOf(a)}}`;
  }
  const labels = quoted(a.model.labels);
  const n = answerTopK(a, labels.length, row, Math.min(top, labels.length, ids.length), ids, scores);
  let best = '';
  for (let j = 0; j < n; j++) best += `${j > 0 ? ',' : ''}{"label":${labels[ids[j]!]!},"score":${num(scores[j]!)}}`;
  return `{"id":${JSON.stringify(id)},"label":${labels[a.topIds[row]!]!},"score":${num(a.topScores[row]!)},"top":[${best}],${tailOf(a)}`
    + `${a.decisions === undefined ? '' : a.decisions[row] === 1 ? ',"decision":"auto"' : ',"decision":"review"'}}`;
}

/**
 * The strings as UTF-8, each a view into one buffer made for them all: the NATS client would
 * otherwise encode each string body into a fresh buffer of its own (TextEncoder, a native call and an
 * ArrayBuffer per message). At most 3 bytes per UTF-16 unit, so the buffer is sized before writing.
 */
export function utf8Slices(strings: readonly string[]): Uint8Array[] {
  let units = 0;
  for (const s of strings) units += s.length;
  const buffer = Buffer.allocUnsafe(units * 3);
  const out = new Array<Uint8Array>(strings.length);
  let at = 0;
  for (let i = 0; i < strings.length; i++) {
    const n = buffer.write(strings[i]!, at, 'utf8');
    out[i] = buffer.subarray(at, at + n);
    at += n;
  }
  return out;
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
