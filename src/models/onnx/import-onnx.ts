import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { InputError } from '../../core/errors.js';
import { sha256Hex } from '../../core/hash.js';
import { codeVersion } from '../../core/version.js';
import { encodeArtifact, type ArtifactMeta } from '../artifact.js';
import { OnnxClassifier } from './onnx-classifier.js';
import { BAG_INPUTS, parseTokenizerSpec, TokenEncoder, type TokenizerSpec } from './token-encoder.js';

export interface ImportOnnxInput {
  readonly modelPath: string;
  /** JSON tokenizer spec; its "vocab" is a file path (relative to the spec) or an inline array. */
  readonly specPath: string;
  /** One label per line, in the order of the model's output columns. */
  readonly labelsPath: string;
}

export interface ImportedOnnx {
  readonly classifier: OnnxClassifier;
  readonly meta: ArtifactMeta;
  readonly bytes: Buffer;
}

/**
 * Imports a model trained elsewhere: reads the graph, the declarative preprocessing and the labels,
 * checks that the model takes ids on the named input with the declared type and a usable shape and
 * answers one dummy batch with [batch, labels] scores, and encodes a lading artifact (kind "onnx").
 * Every mismatch is an InputError at import, never a surprise at serving.
 */
export async function importOnnx(input: ImportOnnxInput): Promise<ImportedOnnx> {
  const onnx = readInput(input.modelPath, 'model');
  const { spec, vocab } = readSpec(input.specPath);
  const labels = readLines(input.labelsPath, 'labels');
  if (labels.length < 2) throw new InputError('bad-labels', `${input.labelsPath} lists ${labels.length} label(s); a classifier needs at least 2`, { file: input.labelsPath });
  const dupe = labels.find((l, i) => labels.indexOf(l) !== i);
  if (dupe !== undefined) throw new InputError('bad-labels', `${input.labelsPath} lists label "${dupe}" twice`, { file: input.labelsPath, label: dupe });
  for (const [name, id] of [['padId', spec.padId], ['unkId', spec.unkId]] as const) {
    if (id >= vocab.length) throw new InputError('bad-tokenizer-spec', `${input.specPath}: ${name} ${id} is outside the vocabulary of ${vocab.length} entries`, { file: input.specPath, field: name });
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  } catch (e) {
    throw new InputError('onnx-unreadable', `onnxruntime cannot load ${input.modelPath}: ${(e as Error).message}`, { file: input.modelPath }, undefined, { cause: e });
  }
  try {
    checkSignature(session, spec, input);
  } finally {
    await session.release();
  }
  const classifier = new OnnxClassifier({ kind: 'onnx', labels, encoder: new TokenEncoder(spec, vocab), onnx, params: { source: basename(input.modelPath), onnxSha256: sha256Hex(onnx) } });
  const probe = new Float32Array(2 * labels.length);
  try {
    await classifier.predictProbaAsync(['', 'a dummy text to check the model answers'], probe);
  } catch (e) {
    throw new InputError('onnx-dummy-run-failed', `${input.modelPath} fails on a dummy batch of 2 texts: ${(e as Error).message}`,
      { file: input.modelPath, labels: labels.length }, 'Check the tokenizer spec (input name, dtype, maxLength, fixedLength) and that the labels file lists one label per output column.', { cause: e });
  }
  const { featuriser, params, sections } = classifier.serialise();
  const meta: ArtifactMeta = {
    kind: 'onnx', labels, featuriser, params, metrics: {}, codeVersion: codeVersion(),
    training: { seed: 0, upsample: false, trainRows: 0, validRows: 0 },
  };
  return { classifier, meta, bytes: encodeArtifact(meta, sections) };
}

function checkSignature(session: ort.InferenceSession, spec: TokenizerSpec, input: ImportOnnxInput): void {
  const where = input.modelPath;
  if (!session.inputNames.includes(spec.inputName)) {
    throw new InputError('onnx-bad-input', `${where} has no input "${spec.inputName}"; its inputs are: ${session.inputNames.join(', ')}`,
      { file: where, input: spec.inputName }, `Set "inputName" in ${input.specPath} to the input that takes token ids.`);
  }
  const bagInputs: readonly string[] = spec.bagMaxN > 0 ? Object.values(BAG_INPUTS) : [];
  const missingBag = bagInputs.filter((n) => !session.inputNames.includes(n));
  if (missingBag.length > 0) {
    throw new InputError('onnx-bad-input', `${where} has no input ${missingBag.map((n) => `"${n}"`).join(', ')}, which the tokenizer spec's n-gram bag (bagMaxN ${spec.bagMaxN}) feeds`,
      { file: where, input: missingBag[0]! }, `Set "bagMaxN": 0 in ${input.specPath} unless the model takes lading's bag inputs.`);
  }
  const others = session.inputNames.filter((n) => n !== spec.inputName && !bagInputs.includes(n));
  if (others.length > 0) {
    throw new InputError('onnx-extra-inputs', `${where} needs inputs lading cannot feed: ${others.join(', ')} (only "${spec.inputName}" gets token ids)`,
      { file: where }, 'Export the model with the token ids as its only input (fold attention masks into the graph).');
  }
  const meta = session.inputMetadata[session.inputNames.indexOf(spec.inputName)];
  if (meta?.isTensor) {
    if (meta.type !== spec.dtype) {
      throw new InputError('onnx-bad-input-type', `${where}: input "${spec.inputName}" takes ${meta.type}; the tokenizer spec says ${spec.dtype}`,
        { file: where, input: spec.inputName, found: meta.type, expected: spec.dtype }, `Set "dtype": "${meta.type}" in ${input.specPath} if the model really takes ids as ${meta.type}.`);
    }
    if (meta.shape.length !== 2) {
      throw new InputError('onnx-bad-input-shape', `${where}: input "${spec.inputName}" has rank ${meta.shape.length} [${meta.shape.join(', ')}]; lading feeds [batch, sequence]`,
        { file: where, input: spec.inputName });
    }
    const [batch, seq] = meta.shape;
    if (typeof batch === 'number' && batch !== -1) {
      throw new InputError('onnx-bad-input-shape', `${where}: input "${spec.inputName}" has a fixed batch size ${batch}; lading batches texts`,
        { file: where, input: spec.inputName }, 'Export with dynamic_axes={"<input>": {0: "batch"}}.');
    }
    if (typeof seq === 'number' && seq >= 0 && (!spec.fixedLength || spec.maxLength !== seq)) {
      throw new InputError('onnx-bad-input-shape', `${where}: input "${spec.inputName}" has a fixed sequence length ${seq}; the spec needs "fixedLength": true and "maxLength": ${seq}`,
        { file: where, input: spec.inputName, found: seq, expected: spec.maxLength });
    }
  }
  if (!session.outputNames.includes(spec.outputName)) {
    throw new InputError('onnx-bad-output', `${where} has no output "${spec.outputName}"; its outputs are: ${session.outputNames.join(', ')}`,
      { file: where, output: spec.outputName }, `Set "outputName" in ${input.specPath}.`);
  }
}

function readInput(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new InputError('unreadable-file', `cannot read the ${what} file ${path}: ${(e as Error).message}`, { file: path }, undefined, { cause: e });
  }
}

function readLines(path: string, what: string): string[] {
  const lines = readInput(path, what).toString('utf8').split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const blank = lines.indexOf('');
  if (what === 'labels' && blank >= 0) throw new InputError('bad-labels', `${path} line ${blank + 1} is empty`, { file: path, line: blank + 1 });
  return lines;
}

function readSpec(path: string): { spec: TokenizerSpec; vocab: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(readInput(path, 'tokenizer spec').toString('utf8'));
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError('bad-tokenizer-spec', `${path} is not valid JSON: ${(e as Error).message}`, { file: path }, undefined, { cause: e });
  }
  const spec = parseTokenizerSpec(raw, path);
  const v = (raw as Record<string, unknown>)['vocab'];
  let vocab: string[];
  if (typeof v === 'string') vocab = readLines(resolve(dirname(path), v), 'vocabulary');
  else if (Array.isArray(v) && v.every((t) => typeof t === 'string')) vocab = v as string[];
  else throw new InputError('bad-tokenizer-spec', `${path}: field "vocab" must be a file path (relative to the spec) or an array of tokens`, { file: path, field: 'vocab' });
  if (vocab.length === 0) throw new InputError('bad-tokenizer-spec', `${path}: the vocabulary is empty`, { file: path, field: 'vocab' });
  return { spec, vocab };
}
