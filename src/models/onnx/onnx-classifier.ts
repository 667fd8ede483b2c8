import * as ort from 'onnxruntime-node';
import { InputError, LadingError } from '../../core/errors.js';
import type { SectionArray } from '../artifact.js';
import type { Classifier, Contribution } from '../classifier.js';
import { encodeBatch, specToJson, TokenEncoder } from './token-encoder.js';

/** A forward pass over a padded id matrix [rows, width] that writes class probabilities. */
export type SyncForward = (ids: Int32Array, rows: number, width: number, out: Float32Array) => void;

export interface OnnxRunOptions {
  /** onnxruntime intra-op threads per session; one thread per session scales best for small batches. */
  readonly intraOpThreads: number;
  readonly batchSize: number;
}

export const ONNX_RUN_DEFAULTS: OnnxRunOptions = { intraOpThreads: 1, batchSize: 256 };

/**
 * A classifier over an ONNX graph that maps a row of token ids to class scores. Imported models
 * (kind "onnx") run only through onnxruntime (predictProbaAsync); the native deep kinds also pass
 * their TypeScript forward pass, which gives the synchronous predictProba and explanations.
 */
export class OnnxClassifier implements Classifier {
  readonly kind: string;
  readonly labels: readonly string[];
  readonly encoder: TokenEncoder;
  readonly onnx: Uint8Array;
  readonly params: Record<string, unknown>;
  private readonly syncForward: SyncForward | undefined;
  private readonly run: OnnxRunOptions;
  private session: Promise<ort.InferenceSession> | undefined;
  private scratch = new Int32Array(0);

  constructor(o: {
    kind: string; labels: readonly string[]; encoder: TokenEncoder; onnx: Uint8Array; params?: Record<string, unknown>;
    syncForward?: SyncForward; run?: Partial<OnnxRunOptions>;
  }) {
    this.kind = o.kind;
    this.labels = o.labels;
    this.encoder = o.encoder;
    this.onnx = o.onnx;
    this.params = o.params ?? {};
    this.syncForward = o.syncForward;
    this.run = { ...ONNX_RUN_DEFAULTS, ...o.run };
  }

  /** The same model with other onnxruntime settings (e.g. more intra-op threads); shares the graph and encoder. */
  withRunOptions(run: Partial<OnnxRunOptions>): OnnxClassifier {
    return new OnnxClassifier({
      kind: this.kind, labels: this.labels, encoder: this.encoder, onnx: this.onnx, params: this.params,
      ...(this.syncForward ? { syncForward: this.syncForward } : {}), run: { ...this.run, ...run },
    });
  }

  /** The onnxruntime session, created on first use (creation is async; loading an artifact is not). */
  ortSession(): Promise<ort.InferenceSession> {
    this.session ??= ort.InferenceSession.create(this.onnx, {
      intraOpNumThreads: this.run.intraOpThreads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
    });
    return this.session;
  }

  predictProba(texts: readonly string[], out: Float32Array): void {
    const forward = this.syncForward;
    if (!forward) {
      throw new LadingError('sync-predict-unsupported', `model kind ${this.kind} runs only through onnxruntime; call predictProbaAsync`, { kind: this.kind });
    }
    const classes = this.labels.length;
    checkOut(out, texts.length * classes);
    for (let from = 0; from < texts.length; from += this.run.batchSize) {
      const batch = texts.slice(from, from + this.run.batchSize);
      const { ids, width } = encodeBatch(this.encoder, batch, this.scratchFor(batch.length));
      forward(ids, batch.length, width, out.subarray(from * classes, (from + batch.length) * classes));
    }
  }

  /**
   * Runs onnxruntime over batches of texts of similar length (sorted by token count, results put
   * back in input order): a batch is padded to its longest row, so this saves most of the padding work.
   */
  async predictProbaAsync(texts: readonly string[], out: Float32Array): Promise<void> {
    const classes = this.labels.length;
    checkOut(out, texts.length * classes);
    const session = await this.ortSession();
    const spec = this.encoder.spec;
    const max = spec.maxLength;
    const rows = texts.length;
    const flat = new Int32Array(rows * max);
    const lengths = new Int32Array(rows);
    for (let r = 0; r < rows; r++) lengths[r] = this.encoder.encode(texts[r]!, flat, r * max);
    const order = Int32Array.from({ length: rows }, (_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
    const batchSize = this.run.batchSize;
    for (let from = 0; from < rows; from += batchSize) {
      const count = Math.min(batchSize, rows - from);
      let longest = spec.minLength;
      for (let k = 0; k < count; k++) longest = Math.max(longest, lengths[order[from + k]!]!);
      const width = spec.fixedLength ? Math.max(max, spec.minLength) : Math.min(longest, Math.max(max, spec.minLength));
      const ids = new Int32Array(count * width).fill(spec.padId);
      for (let k = 0; k < count; k++) {
        const r = order[from + k]!;
        const n = lengths[r]!;
        ids.set(flat.subarray(r * max, r * max + n), k * width + (spec.padding === 'left' ? width - n : 0));
      }
      const tensor = spec.dtype === 'int64'
        ? new ort.Tensor('int64', BigInt64Array.from(ids, (v) => BigInt(v)), [count, width])
        : new ort.Tensor('int32', ids, [count, width]);
      const result = await session.run({ [spec.inputName]: tensor }, [spec.outputName]);
      const scores = result[spec.outputName];
      if (!scores || !(scores.data instanceof Float32Array) || scores.data.length !== count * classes) {
        throw new LadingError('onnx-bad-output',
          `model output "${spec.outputName}" should be float32 [${count}, ${classes}]; got ${scores ? `${scores.type} [${scores.dims.join(', ')}]` : 'nothing'}`,
          { output: spec.outputName, classes });
      }
      const data = scores.data;
      for (let k = 0; k < count; k++) {
        const at = order[from + k]! * classes;
        out.set(data.subarray(k * classes, (k + 1) * classes), at);
        if (spec.outputKind === 'logits') softmaxRow(out, at, classes);
      }
    }
  }

  /**
   * Occlusion: a token's weight is how much the class probability drops when the token is left
   * out. Needs the synchronous forward pass; imported models have none and explain nothing.
   */
  explain(text: string, classId: number, limit: number): Contribution[] {
    if (!Number.isInteger(classId) || classId < 0 || classId >= this.labels.length) {
      throw new RangeError(`class id ${classId} is outside [0, ${this.labels.length})`);
    }
    if (!this.syncForward) return [];
    const pieces = this.encoder.pieces(text);
    if (pieces.length === 0) return [];
    const spec = this.encoder.spec;
    const row = new Int32Array(spec.maxLength);
    const n = this.encoder.encode(text, row, 0);
    const width = Math.max(n, spec.minLength, spec.fixedLength ? spec.maxLength : 0);
    const rows = n + 1;
    const ids = new Int32Array(rows * width).fill(spec.padId);
    ids.set(row.subarray(0, n), 0);
    for (let k = 0; k < n; k++) {
      let at = (k + 1) * width;
      for (let j = 0; j < n; j++) if (j !== k) ids[at++] = row[j]!;
    }
    const classes = this.labels.length;
    const proba = new Float32Array(rows * classes);
    this.syncForward(ids, rows, width, proba);
    const full = proba[classId]!;
    const byPiece = new Map<string, number>();
    for (let k = 0; k < n; k++) byPiece.set(pieces[k]!, (byPiece.get(pieces[k]!) ?? 0) + full - proba[(k + 1) * classes + classId]!);
    return [...byPiece].map(([feature, weight]) => ({ feature, weight }))
      .sort((a, b) => b.weight - a.weight || (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0))
      .slice(0, Math.max(0, limit));
  }

  serialise(): { featuriser: Record<string, unknown>; params: Record<string, unknown>; sections: Array<[string, SectionArray]> } {
    return {
      featuriser: { kind: 'token-ids', spec: specToJson(this.encoder.spec) },
      params: { ...this.params },
      sections: [['onnx', this.onnx], ['vocab', encodeVocab(this.encoder.vocab)]],
    };
  }

  private scratchFor(rows: number): Int32Array {
    const need = rows * this.encoder.spec.maxLength;
    if (this.scratch.length < need) this.scratch = new Int32Array(need);
    return this.scratch;
  }
}

function checkOut(out: Float32Array, need: number): void {
  if (out.length < need) throw new RangeError(`predictProba needs ${need} output floats; got ${out.length}`);
}

export function softmaxRow(a: Float32Array, offset: number, n: number): void {
  let max = -Infinity;
  for (let c = 0; c < n; c++) if (a[offset + c]! > max) max = a[offset + c]!;
  let sum = 0;
  for (let c = 0; c < n; c++) { const e = Math.exp(a[offset + c]! - max); a[offset + c] = e; sum += e; }
  const inv = 1 / sum;
  for (let c = 0; c < n; c++) a[offset + c] = a[offset + c]! * inv;
}

/** Vocabulary as one UTF-8 section: tokens joined by newlines (a token never holds one). */
export function encodeVocab(vocab: readonly string[]): Uint8Array {
  for (let i = 0; i < vocab.length; i++) {
    if (vocab[i]!.includes('\n')) throw new InputError('bad-vocab', `vocabulary entry ${i} contains a newline`, { entry: i });
  }
  return new TextEncoder().encode(vocab.join('\n'));
}

export function decodeVocab(bytes: Uint8Array): string[] {
  return bytes.length === 0 ? [] : new TextDecoder().decode(bytes).split('\n');
}
