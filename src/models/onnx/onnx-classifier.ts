import * as ort from 'onnxruntime-node';
import { InputError, LadingError } from '../../core/errors.js';
import type { SectionArray } from '../artifact.js';
import type { Classifier, Contribution } from '../classifier.js';
import { softmaxInPlace } from '../softmax-row.js';
import { BAG_INPUTS, BagEntries, encodeBatch, specToJson, TokenEncoder } from './token-encoder.js';

/** A forward pass over a padded id matrix [rows, width] (and, in bag mode, its n-gram bag) that writes class probabilities. */
export type SyncForward = (ids: Int32Array, rows: number, width: number, out: Float32Array, bag?: BagEntries) => void;

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
    const bag = this.encoder.bagMode ? new BagEntries() : undefined;
    for (let from = 0; from < texts.length; from += this.run.batchSize) {
      const batch = texts.slice(from, from + this.run.batchSize);
      const { ids, width } = encodeBatch(this.encoder, batch, this.scratchFor(batch.length), bag);
      forward(ids, batch.length, width, out.subarray(from * classes, (from + batch.length) * classes), bag);
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
    const bag = this.encoder.bagMode ? new BagEntries() : undefined;
    const bagStart = new Int32Array(bag ? rows + 1 : 0);
    for (let r = 0; r < rows; r++) {
      if (bag) bagStart[r] = bag.count;
      lengths[r] = this.encoder.encode(texts[r]!, flat, r * max, bag, r);
    }
    if (bag) bagStart[rows] = bag.count;
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
      const feeds: Record<string, ort.Tensor> = { [spec.inputName]: tensor };
      if (bag) Object.assign(feeds, bagFeeds(bag, bagStart, order, from, count));
      const result = await session.run(feeds, [spec.outputName]);
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
        if (spec.outputKind === 'logits') softmaxInPlace(out, at, classes);
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
    const textBag = this.encoder.bagMode ? new BagEntries() : undefined;
    const n = this.encoder.encode(text, row, 0, textBag, 0);
    const width = Math.max(n, spec.minLength, spec.fixedLength ? spec.maxLength : 0);
    const rows = n + 1;
    const ids = new Int32Array(rows * width).fill(spec.padId);
    ids.set(row.subarray(0, n), 0);
    // Row k + 1 is the text without position k (bag entries follow their positions).
    const bag = textBag ? new BagEntries() : undefined;
    if (bag && textBag) for (let e = 0; e < textBag.count; e++) bag.add(0, textBag.positions[e]!, textBag.ids[e]!);
    for (let k = 0; k < n; k++) {
      let at = (k + 1) * width;
      for (let j = 0; j < n; j++) {
        if (j === k) continue;
        if (bag && textBag) {
          for (let e = 0; e < textBag.count; e++) if (textBag.positions[e] === j) bag.add(k + 1, at - (k + 1) * width, textBag.ids[e]!);
        }
        ids[at++] = row[j]!;
      }
    }
    const classes = this.labels.length;
    const proba = new Float32Array(rows * classes);
    this.syncForward(ids, rows, width, proba, bag);
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

/**
 * The bag inputs of one sorted batch: the n-gram rows of the unknown words of rows
 * order[from .. from + count), with (batch row, position) and weight 1 / (n-grams of that word).
 * A first entry of weight 0 keeps the tensors non-empty when no word in the batch is unknown.
 */
function bagFeeds(bag: BagEntries, bagStart: Int32Array, order: Int32Array, from: number, count: number): Record<string, ort.Tensor> {
  let total = 1;
  for (let k = 0; k < count; k++) total += bagStart[order[from + k]! + 1]! - bagStart[order[from + k]!]!;
  const ids = new Int32Array(total);
  const pos = new BigInt64Array(total * 2);
  const weight = new Float32Array(total);
  let m = 1;
  for (let k = 0; k < count; k++) {
    const r = order[from + k]!;
    const end = bagStart[r + 1]!;
    for (let e = bagStart[r]!; e < end;) {
      const p = bag.positions[e]!;
      let f = e;
      while (f < end && bag.positions[f] === p) f++;
      const w = 1 / (f - e);
      for (; e < f; e++, m++) {
        ids[m] = bag.ids[e]!;
        pos[2 * m] = BigInt(k);
        pos[2 * m + 1] = BigInt(p);
        weight[m] = w;
      }
    }
  }
  return {
    [BAG_INPUTS.ids]: new ort.Tensor('int32', ids, [total]),
    [BAG_INPUTS.pos]: new ort.Tensor('int64', pos, [total, 2]),
    [BAG_INPUTS.weight]: new ort.Tensor('float32', weight, [total, 1]),
  };
}

function checkOut(out: Float32Array, need: number): void {
  if (out.length < need) throw new RangeError(`predictProba needs ${need} output floats; got ${out.length}`);
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
