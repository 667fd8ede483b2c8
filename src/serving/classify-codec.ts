import { InputError } from '../core/errors.js';
import type { Contribution } from '../models/classifier.js';
import type { EndpointAnswer } from './endpoint.js';
import { decodeRequestEntities, type EntityKeys } from './entity-features.js';
import type { RequestLimits } from './request-limits.js';
import { answerTopK } from './rows.js';
import { taxonomyFieldsJson } from './taxonomy-json.js';

/** `POST /v1/models/{name}:classify` body, validated. */
export interface ClassifyRequest {
  readonly texts: readonly string[];
  readonly top: number;
  readonly explain: boolean;
  readonly key: string | undefined;
  /** Per text, the entities it is about (`entities`: one object for all texts, or one per text). */
  readonly entities: (EntityKeys | undefined)[] | undefined;
}

export interface LabelScore { readonly label: string; readonly score: number }

export interface TextPrediction {
  readonly label: string;
  readonly score: number;
  readonly top: readonly LabelScore[];
  readonly explanation?: readonly Contribution[];
  /** With a target precision or an active taxonomy on the endpoint: "auto" (decided) or "review" (for a person). */
  readonly decision?: Decision;
  /**
   * With an active taxonomy: the official description of `label` (and of each `top` entry); `label`,
   * `score` and `description` are null, and `review` says why, when the taxonomy sends the text to a
   * person (its best class was split: `candidates`; or none of its best classes is a valid code).
   */
  readonly description?: string | null;
  readonly review?: { readonly reason: 'taxonomy-split' | 'no-valid-code'; readonly candidates: readonly { readonly label: string; readonly description: string }[] };
}

export type Decision = 'auto' | 'review';

export interface ClassifyResponse {
  readonly endpoint: string;
  readonly model: string;
  readonly version: string;
  readonly variant: string;
  readonly predictions: readonly TextPrediction[];
}

const FIELDS = new Set(['texts', 'top', 'explain', 'key', 'entities']);

const bad = (message: string, field: string) => new InputError('bad-request', message, { field });

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const BLANK = /^\s*$/;

/**
 * An empty or whitespace-only text has no words to classify: every model would answer its prior
 * (1/classes), which looks like a prediction and is not one. Decoders refuse it by index.
 */
export function isBlankText(t: string): boolean {
  if (t.length === 0) return true;
  const c = t.charCodeAt(0);
  // Only a text that starts with a space-like character can be blank: skip the regex otherwise.
  return (c <= 0x20 || c === 0xa0 || c === 0xfeff || (c >= 0x1680 && c <= 0x3000)) && BLANK.test(t);
}

export const BLANK_TEXT_HINT = 'an empty or whitespace-only text has nothing to classify; leave it out of the request';

/** Strict: unknown fields, wrong types and out-of-range values are refused with the field named. */
export function decodeClassifyRequest(body: unknown, limits: RequestLimits): ClassifyRequest {
  if (!isPlainObject(body)) throw bad('the body must be a JSON object like {"texts": ["..."]}', '$');
  for (const k of Object.keys(body)) if (!FIELDS.has(k)) throw bad(`unknown field "${k}"; known fields: texts, top, explain, key, entities`, k);
  const texts = body['texts'];
  if (!Array.isArray(texts)) throw bad('"texts" must be an array of strings', 'texts');
  if (texts.length === 0) throw bad('"texts" must hold at least one text', 'texts');
  if (texts.length > limits.maxTexts) throw bad(`"texts" holds ${texts.length} texts; at most ${limits.maxTexts} per request`, 'texts');
  for (let i = 0; i < texts.length; i++) {
    const t: unknown = texts[i];
    if (typeof t !== 'string') throw bad(`texts[${i}] must be a string, got ${t === null ? 'null' : typeof t}`, `texts[${i}]`);
    if (t.length > limits.maxTextChars) throw bad(`texts[${i}] has ${t.length} characters; at most ${limits.maxTextChars}`, `texts[${i}]`);
    if (isBlankText(t)) throw bad(`texts[${i}] is empty or only whitespace: ${BLANK_TEXT_HINT}`, `texts[${i}]`);
  }
  const top = body['top'] ?? 1;
  if (typeof top !== 'number' || !Number.isInteger(top) || top < 1 || top > limits.maxTop) throw bad(`"top" must be a whole number from 1 to ${limits.maxTop}`, 'top');
  const explain = body['explain'] ?? false;
  if (typeof explain !== 'boolean') throw bad('"explain" must be true or false', 'explain');
  const key = body['key'];
  if (key !== undefined && (typeof key !== 'string' || key.length > 256)) throw bad('"key" must be a string of at most 256 characters', 'key');
  return { texts: texts as string[], top, explain, key, entities: decodeRequestEntities(body['entities'], texts.length) };
}

/** Label, score and the k best labels per text, from the endpoint's probabilities. */
export function encodeClassifyResponse(a: EndpointAnswer, top: number): ClassifyResponse {
  const labels = a.model.labels;
  const classes = labels.length;
  const k = Math.min(top, classes);
  const ids = new Int32Array(k);
  const scores = new Float32Array(k);
  const predictions: TextPrediction[] = new Array<TextPrediction>(a.topIds.length);
  for (let i = 0; i < a.topIds.length; i++) {
    if (a.taxonomy !== undefined) {
      // The taxonomy's fields are written once, as JSON (taxonomy-json.ts); this path (explanations) reads them back.
      const p = JSON.parse(`{${taxonomyFieldsJson(a.taxonomy, i, top, a.decisions![i] === 1 ? 1 : 0)}}`) as { -readonly [K in keyof TextPrediction]: TextPrediction[K] };
      const explanation = a.explanations?.[i];
      if (explanation) p.explanation = explanation;
      predictions[i] = p;
      continue;
    }
    let best: LabelScore[];
    if (k === 1) {
      best = [{ label: labels[a.topIds[i]!]!, score: a.topScores[i]! }];
    } else {
      const n = answerTopK(a, classes, i, k, ids, scores);
      best = new Array<LabelScore>(n);
      for (let j = 0; j < n; j++) best[j] = { label: labels[ids[j]!]!, score: scores[j]! };
    }
    const explanation = a.explanations?.[i];
    const p: { -readonly [K in keyof TextPrediction]: TextPrediction[K] } = { label: labels[a.topIds[i]!]!, score: a.topScores[i]!, top: best };
    if (explanation) p.explanation = explanation;
    if (a.decisions) p.decision = a.decisions[i] === 1 ? 'auto' : 'review';
    predictions[i] = p;
  }
  return { endpoint: a.endpoint, model: a.model.name, version: a.model.version, variant: a.variant, predictions };
}

/** Each label as a JSON string literal, made once per model (labels arrays live as long as their model). */
const quotedLabels = new WeakMap<readonly string[], string[]>();

function quoted(labels: readonly string[]): string[] {
  let q = quotedLabels.get(labels);
  if (!q) quotedLabels.set(labels, (q = labels.map((l) => JSON.stringify(l))));
  return q;
}

/** A number as JSON.stringify writes it (non-finite numbers become null). */
const num = (x: number) => (Number.isFinite(x) ? String(x) : 'null');

/**
 * The answer's JSON text, byte for byte what JSON.stringify({...encodeClassifyResponse(a, top),
 * requestId}) gives, written straight into one string: the labels are JSON literals made once per
 * model, and no object per text or per top-k entry is built (a CPU profile under load showed the
 * response objects and their JSON.stringify among the largest costs of the HTTP thread).
 * Explanations take the general path.
 */
export function encodeClassifyResponseJson(a: EndpointAnswer, top: number, requestId: string): string {
  if (a.explanations !== undefined) return JSON.stringify({ ...encodeClassifyResponse(a, top), requestId });
  const labels = quoted(a.model.labels);
  const classes = labels.length;
  const k = Math.min(top, classes);
  let out = `{"endpoint":${JSON.stringify(a.endpoint)},"model":${JSON.stringify(a.model.name)},"version":${JSON.stringify(a.model.version)},"variant":${JSON.stringify(a.variant)},"predictions":[`;
  const ids = k > 1 ? new Int32Array(k) : undefined;
  const scores = k > 1 ? new Float32Array(k) : undefined;
  const decisions = a.decisions;
  const taxonomy = a.taxonomy;
  for (let i = 0; i < a.topIds.length; i++) {
    if (taxonomy !== undefined) {
      out += `${i > 0 ? ',' : ''}{${taxonomyFieldsJson(taxonomy, i, top, decisions![i] === 1 ? 1 : 0)}}`;
      continue;
    }
    const label = labels[a.topIds[i]!]!;
    const score = num(a.topScores[i]!);
    const end = decisions === undefined ? '}' : decisions[i] === 1 ? ',"decision":"auto"}' : ',"decision":"review"}';
    if (i > 0) out += ',';
    if (ids === undefined || scores === undefined) {
      out += `{"label":${label},"score":${score},"top":[{"label":${label},"score":${score}}]${end}`;
      continue;
    }
    out += `{"label":${label},"score":${score},"top":[`;
    const n = answerTopK(a, classes, i, k, ids, scores);
    for (let j = 0; j < n; j++) out += `${j > 0 ? ',' : ''}{"label":${labels[ids[j]!]!},"score":${num(scores[j]!)}}`;
    out += `]${end}`;
  }
  return `${out}],"requestId":${JSON.stringify(requestId)}}`;
}
