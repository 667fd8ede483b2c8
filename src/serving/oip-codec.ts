import { InputError } from '../core/errors.js';
import { BLANK_TEXT_HINT, isBlankText, isPlainObject } from './classify-codec.js';
import type { EndpointAnswer } from './endpoint.js';
import { decodeEntityKeys, type EntityKeys } from './entity-features.js';
import type { ModelIdentity } from './model-runtime.js';
import type { RequestLimits } from './request-limits.js';
import { OIP_DESCRIPTION_OUTPUT, taxonomyTensor } from './oip-taxonomy.js';
import { answerTopK } from './rows.js';

/**
 * The Open Inference Protocol V2 (KServe / Triton / Seldon) as plain functions: decode an infer
 * request into texts and wanted outputs, encode an answer as output tensors. One BYTES input of
 * texts (shape [batch] or [batch, 1], data flat or nested); outputs `label` (BYTES [batch]),
 * `score` (FP32 [batch]) and `probabilities` (FP32 [batch, classes]). Triton's classification
 * extension: an output with parameters.classification = k returns BYTES [batch, k] strings
 * "score:index:label". An endpoint with a target precision adds `decision` (BYTES [batch], "auto" or
 * "review"): to every answer that names no outputs, and to those that name it.
 */
export const OIP_OUTPUTS = ['label', 'score', 'probabilities'] as const;
/** The decide-or-route output, answered only by endpoints with a target precision. */
export const OIP_DECISION_OUTPUT = 'decision';
export type OipOutputName = (typeof OIP_OUTPUTS)[number] | typeof OIP_DECISION_OUTPUT | typeof OIP_DESCRIPTION_OUTPUT;
const OUTPUT_NAMES: readonly string[] = [...OIP_OUTPUTS, OIP_DECISION_OUTPUT, OIP_DESCRIPTION_OUTPUT];
export const OIP_INPUT_NAME = 'text';

export interface OipOutputRequest {
  readonly name: OipOutputName;
  /** Triton classification extension: k > 0 turns the output into "score:index:label" strings. */
  readonly classification: number;
}

export interface OipInferRequest {
  readonly id: string | undefined;
  readonly texts: readonly string[];
  readonly outputs: readonly OipOutputRequest[];
  /** The request named no outputs: it gets the default ones (and `decision` when the endpoint decides). */
  readonly defaultOutputs: boolean;
  /** parameters.key: sticky variant assignment, as `key` in the /v1 API. */
  readonly key: string | undefined;
  /**
   * Per text, its entity keys: from the BYTES inputs after the texts, one per entity (name = the
   * entity, shape [batch], "" = no key for that row), as `entities` in the /v1 API.
   */
  readonly entities: (EntityKeys | undefined)[] | undefined;
}

export interface OipTensor {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
  readonly data: readonly (string | number)[] | Float32Array;
}

const bad = (message: string, field: string) => new InputError('bad-request', message, { field });
const REQUEST_FIELDS = new Set(['id', 'parameters', 'inputs', 'outputs']);
const INPUT_FIELDS = new Set(['name', 'shape', 'datatype', 'data', 'parameters']);
const OUTPUT_FIELDS = new Set(['name', 'parameters']);

function checkParameters(p: unknown, field: string): Record<string, unknown> {
  if (p === undefined) return {};
  if (!isPlainObject(p)) throw bad(`"${field}" must be an object of key/value parameters`, field);
  for (const [k, v] of Object.entries(p)) {
    if (k === 'binary_data' || k === 'binary_data_output' || k === 'binary_data_size') {
      if (v !== false) throw bad(`${field}.${k}: the binary tensor extension is not supported; send JSON tensor data`, `${field}.${k}`);
    }
    if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw bad(`${field}.${k} must be a string, number or boolean`, `${field}.${k}`);
    }
  }
  return p;
}

/** Flattens nested tensor data (row-major), refusing anything but strings, counting as it goes. */
function flattenTexts(data: unknown, out: string[], limits: RequestLimits, depth: number): void {
  if (!Array.isArray(data)) throw bad('inputs[0].data must be an array of strings (flat or nested)', 'inputs[0].data');
  if (depth > 2) throw bad('inputs[0].data is nested deeper than its shape allows', 'inputs[0].data');
  for (const v of data) {
    if (typeof v === 'string') {
      if (v.length > limits.maxTextChars) throw bad(`inputs[0].data[${out.length}] has ${v.length} characters; at most ${limits.maxTextChars}`, 'inputs[0].data');
      if (isBlankText(v)) throw bad(`inputs[0].data[${out.length}] is empty or only whitespace: ${BLANK_TEXT_HINT}`, `inputs[0].data[${out.length}]`);
      out.push(v);
      if (out.length > limits.maxTexts) throw bad(`inputs[0] holds more than ${limits.maxTexts} texts`, 'inputs[0].data');
    } else if (Array.isArray(v)) {
      flattenTexts(v, out, limits, depth + 1);
    } else {
      throw bad(`inputs[0].data element ${out.length} must be a string (BYTES as UTF-8 text), got ${v === null ? 'null' : typeof v}`, 'inputs[0].data');
    }
  }
}

/**
 * Strict, like the /v1 decoder. `model` (the name asked for) only words the error about a wrong
 * input name: every lading model has the one input OIP_INPUT_NAME, as its metadata says.
 */
export function decodeInferRequest(body: unknown, limits: RequestLimits, model = 'this model'): OipInferRequest {
  if (!isPlainObject(body)) throw bad('the body must be an inference request object {"inputs": [...]}', '$');
  for (const k of Object.keys(body)) if (!REQUEST_FIELDS.has(k)) throw bad(`unknown field "${k}" in the inference request`, k);
  const id = body['id'];
  if (id !== undefined && typeof id !== 'string') throw bad('"id" must be a string', 'id');
  const params = checkParameters(body['parameters'], 'parameters');
  const key = params['key'];
  if (key !== undefined && (typeof key !== 'string' || key.length > 256)) throw bad('parameters.key must be a string of at most 256 characters', 'parameters.key');
  const inputs = body['inputs'];
  if (!Array.isArray(inputs) || inputs.length < 1 || inputs.length > 33) {
    throw bad(`"inputs" must be an array holding exactly one BYTES tensor named "${OIP_INPUT_NAME}" (then, optionally, one BYTES tensor of keys per entity)`, 'inputs');
  }
  const input: unknown = inputs[0];
  if (!isPlainObject(input)) throw bad('inputs[0] must be a tensor object', 'inputs[0]');
  for (const k of Object.keys(input)) if (!INPUT_FIELDS.has(k)) throw bad(`unknown field "${k}" in inputs[0]`, `inputs[0].${k}`);
  if (typeof input['name'] !== 'string' || input['name'].length === 0) throw bad('inputs[0].name must be a non-empty string', 'inputs[0].name');
  if (input['datatype'] !== 'BYTES') throw bad(`inputs[0].datatype must be "BYTES" (texts), got ${JSON.stringify(input['datatype'] ?? null)}`, 'inputs[0].datatype');
  checkParameters(input['parameters'], 'inputs[0].parameters');
  const shape = input['shape'];
  if (!Array.isArray(shape) || shape.length < 1 || shape.length > 2 || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    throw bad('inputs[0].shape must be [batch] or [batch, 1] with whole numbers', 'inputs[0].shape');
  }
  if (shape.length === 2 && shape[1] !== 1) throw bad(`inputs[0].shape [${shape.join(', ')}]: the second dimension must be 1 (one text per row)`, 'inputs[0].shape');
  const batch = shape[0] as number;
  if (batch < 1 || batch > limits.maxTexts) throw bad(`inputs[0].shape: batch must be from 1 to ${limits.maxTexts}, got ${batch}`, 'inputs[0].shape');
  const texts: string[] = [];
  flattenTexts(input['data'], texts, limits, 1);
  if (texts.length !== batch) throw bad(`inputs[0].data holds ${texts.length} elements but shape [${shape.join(', ')}] needs ${batch}`, 'inputs[0].data');
  const outputs = decodeOutputs(body['outputs'], limits);
  // Checked last so that a request malformed in other ways hears about that first.
  if (input['name'] !== OIP_INPUT_NAME) {
    throw bad(`inputs[0].name: ${model} has no input named ${JSON.stringify(input['name']).slice(0, 100)}; its one input is "${OIP_INPUT_NAME}" (BYTES, shape [-1]; see GET /v2/models/{name})`, 'inputs[0].name');
  }
  const entities = decodeEntityTensors(inputs.slice(1), batch);
  return { id, texts, outputs, key, defaultOutputs: body['outputs'] === undefined, entities };
}

/** inputs[1..]: one BYTES tensor per entity, named after it, one key per text ("" or null: none). */
function decodeEntityTensors(tensors: readonly unknown[], batch: number): (EntityKeys | undefined)[] | undefined {
  if (tensors.length === 0) return undefined;
  const rows: Array<Record<string, string> | undefined> = Array.from({ length: batch }, () => undefined);
  const names = new Set<string>();
  tensors.forEach((t, j) => {
    const at = `inputs[${j + 1}]`;
    if (!isPlainObject(t)) throw bad(`${at} must be a tensor object`, at);
    for (const k of Object.keys(t)) if (!INPUT_FIELDS.has(k)) throw bad(`unknown field "${k}" in ${at}`, `${at}.${k}`);
    const name = t['name'];
    if (typeof name !== 'string' || name.length === 0 || name === OIP_INPUT_NAME) throw bad(`${at}.name must name an entity (e.g. "importer"), not ${JSON.stringify(name ?? null)}`, `${at}.name`);
    if (t['datatype'] !== 'BYTES') throw bad(`${at} (entity "${name}"): datatype must be "BYTES" (keys as strings), got ${JSON.stringify(t['datatype'] ?? null)}`, `${at}.datatype`);
    if (names.has(name)) throw bad(`entity "${name}" is given by two inputs`, `${at}.name`);
    names.add(name);
    checkParameters(t['parameters'], `${at}.parameters`);
    const shape = t['shape'];
    if (!Array.isArray(shape) || !(shape[0] === batch && (shape.length === 1 || (shape.length === 2 && shape[1] === 1)))) {
      throw bad(`${at}.shape must be [${batch}] or [${batch}, 1]: one key of entity "${name}" per text`, `${at}.shape`);
    }
    const data = t['data'];
    const flat: unknown[] = Array.isArray(data) ? data.flat() : [];
    if (!Array.isArray(data) || flat.length !== batch) throw bad(`${at}.data must hold ${batch} keys (strings; "" for none)`, `${at}.data`);
    flat.forEach((key, i) => {
      if (key === '' || key === null) return;
      decodeEntityKeys({ [name]: key }, `${at}.data[${i}]`);
      (rows[i] ??= {})[name] = key as string;
    });
  });
  return rows;
}

function decodeOutputs(raw: unknown, limits: RequestLimits): OipOutputRequest[] {
  if (raw === undefined) return OIP_OUTPUTS.map((name) => ({ name, classification: 0 }));
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > OUTPUT_NAMES.length) throw bad(`"outputs" must be a non-empty array naming some of ${OUTPUT_NAMES.join(', ')}`, 'outputs');
  const seen = new Set<string>();
  return raw.map((o: unknown, i) => {
    if (!isPlainObject(o)) throw bad(`outputs[${i}] must be an object {"name": ...}`, `outputs[${i}]`);
    for (const k of Object.keys(o)) if (!OUTPUT_FIELDS.has(k)) throw bad(`unknown field "${k}" in outputs[${i}]`, `outputs[${i}].${k}`);
    const name = o['name'];
    if (typeof name !== 'string' || !OUTPUT_NAMES.includes(name)) {
      throw bad(`outputs[${i}].name must be one of ${OUTPUT_NAMES.join(', ')}, got ${JSON.stringify(name ?? null)}`, `outputs[${i}].name`);
    }
    if (seen.has(name)) throw bad(`output "${name}" is asked for twice`, `outputs[${i}].name`);
    seen.add(name);
    const p = checkParameters(o['parameters'], `outputs[${i}].parameters`);
    const k = p['classification'] ?? 0;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > limits.maxTop) {
      throw bad(`outputs[${i}].parameters.classification must be a whole number from 1 to ${limits.maxTop}`, `outputs[${i}].parameters.classification`);
    }
    if ((name === OIP_DECISION_OUTPUT || name === OIP_DESCRIPTION_OUTPUT) && k !== 0) throw bad(`outputs[${i}]: the classification extension does not apply to "${name}"`, `outputs[${i}].parameters.classification`);
    return { name: name as OipOutputName, classification: k };
  });
}

/** "score:index:label" strings of the k best classes per text, row-major [batch, k]. */
function classificationStrings(a: EndpointAnswer, k: number): string[] {
  const classes = a.model.labels.length;
  const m = Math.min(k, classes);
  const ids = new Int32Array(m);
  const scores = new Float32Array(m);
  const out: string[] = [];
  for (let i = 0; i < a.topIds.length; i++) {
    const n = answerTopK(a, classes, i, m, ids, scores);
    for (let j = 0; j < n; j++) out.push(`${scores[j]!}:${ids[j]!}:${a.model.labels[ids[j]!]!}`);
  }
  return out;
}

/** Whether the outputs asked for need the probability rows (else each text's k best classes do). */
export function inferNeedsRows(req: OipInferRequest): boolean {
  return req.outputs.some((o) => o.name === 'probabilities' && o.classification === 0);
}

/** The most ranked classes per text any output asks for (at least 1). */
export function inferTopK(req: OipInferRequest): number {
  let k = 1;
  for (const o of req.outputs) if (o.classification > k) k = o.classification;
  return k;
}

/** `modelName` is the name the client asked for (the endpoint); the variant's model goes in parameters. */
export function encodeInferResponse(req: OipInferRequest, a: EndpointAnswer, modelName: string): Record<string, unknown> {
  const batch = a.topIds.length;
  const classes = a.model.labels.length;
  const decisions = a.decisions;
  const taxonomy = a.taxonomy;
  if (taxonomy !== undefined) {
    // Under an active taxonomy the defaults are the codes, their descriptions and the decision (no probabilities over the model's classes).
    const asked = req.defaultOutputs ? [{ name: 'label', classification: 0 }, { name: 'score', classification: 0 }, { name: OIP_DESCRIPTION_OUTPUT, classification: 0 }] : req.outputs;
    const outputs: OipTensor[] = asked.map((o) => (o.name === OIP_DECISION_OUTPUT ? decisionTensor(decisions!) : taxonomyTensor(taxonomy, o.name, o.classification, a.endpoint)));
    if (req.defaultOutputs) outputs.push(decisionTensor(decisions!));
    return { model_name: modelName, model_version: a.model.version, ...(req.id !== undefined ? { id: req.id } : {}),
      parameters: { endpoint: a.endpoint, variant: a.variant, model: a.model.name, taxonomy: taxonomy.mapping.taxonomy, ...(taxonomy.mapping.remap ? { remap: taxonomy.mapping.remap } : {}) }, outputs };
  }
  const outputs: OipTensor[] = req.outputs.map((o) => {
    if (o.name === OIP_DECISION_OUTPUT) {
      if (!decisions) {
        throw new InputError('no-target-precision', `endpoint ${a.endpoint} has no target precision, so it answers no "${OIP_DECISION_OUTPUT}" output`,
          { endpoint: a.endpoint, field: 'outputs' }, 'Set the deployment\'s targetPrecision (lading deploy set --target-precision) or serve with --target-precision.');
      }
      return decisionTensor(decisions);
    }
    if (o.classification > 0) {
      const k = Math.min(o.classification, classes);
      return { name: o.name, datatype: 'BYTES', shape: [batch, k], data: classificationStrings(a, k) };
    }
    if (o.name === OIP_DESCRIPTION_OUTPUT) {
      throw new InputError('no-taxonomy', `endpoint ${a.endpoint} has no active taxonomy, so it answers no "${OIP_DESCRIPTION_OUTPUT}" output`,
        { endpoint: a.endpoint, field: 'outputs' }, 'Set the deployment\'s taxonomy (lading deploy set --taxonomy) or serve with --taxonomy.');
    }
    if (o.name === 'label') return { name: 'label', datatype: 'BYTES', shape: [batch], data: Array.from(a.topIds, (c) => a.model.labels[c]!) };
    if (o.name === 'score') return { name: 'score', datatype: 'FP32', shape: [batch], data: Array.from(a.topScores) };
    if (a.proba.length !== batch * classes) throw new Error('the answer has no probability rows: the call must ask for them (rows) when "probabilities" is an output');
    return { name: 'probabilities', datatype: 'FP32', shape: [batch, classes], data: Array.from(a.proba) };
  });
  if (req.defaultOutputs && decisions) outputs.push(decisionTensor(decisions));
  const res: Record<string, unknown> = { model_name: modelName, model_version: a.model.version };
  if (req.id !== undefined) res['id'] = req.id;
  res['parameters'] = { endpoint: a.endpoint, variant: a.variant, model: a.model.name };
  res['outputs'] = outputs;
  return res;
}

function decisionTensor(decisions: Uint8Array): OipTensor {
  const data = new Array<string>(decisions.length);
  for (let i = 0; i < decisions.length; i++) data[i] = decisions[i] === 1 ? 'auto' : 'review';
  return { name: OIP_DECISION_OUTPUT, datatype: 'BYTES', shape: [decisions.length], data };
}

/**
 * `decides`: the endpoint has a target precision or a taxonomy, so `decision` is one of its outputs;
 * `taxonomy`: its active taxonomy, whose answers add `description` and leave out `probabilities`.
 */
export function modelMetadata(endpoint: string, model: ModelIdentity, versions: readonly string[], decides = false, taxonomy?: string): Record<string, unknown> {
  return {
    name: endpoint,
    versions,
    platform: `lading_${model.kind}`,
    ...(taxonomy === undefined ? {} : { parameters: { taxonomy } }),
    inputs: [{ name: OIP_INPUT_NAME, datatype: 'BYTES', shape: [-1] }],
    outputs: [
      { name: 'label', datatype: 'BYTES', shape: [-1] },
      { name: 'score', datatype: 'FP32', shape: [-1] },
      ...(taxonomy === undefined ? [{ name: 'probabilities', datatype: 'FP32', shape: [-1, model.labels.length] }] : [{ name: OIP_DESCRIPTION_OUTPUT, datatype: 'BYTES', shape: [-1] }]),
      ...(decides || taxonomy !== undefined ? [{ name: OIP_DECISION_OUTPUT, datatype: 'BYTES', shape: [-1] }] : []),
    ],
  };
}
