import { createRandom } from '../../core/random.js';
import { hashUniform, type DropoutStep } from '../deep/id-batch.js';
import { fillUniform } from '../deep/init.js';
import { matmulRows } from '../deep/matmul.js';
import type { SlotSequences } from '../deep/slot-sequences.js';
import { softmaxCrossEntropyBackward } from '../deep/softmax.js';
import { softmaxInPlace } from '../softmax-row.js';
import { PAD_ID } from '../deep/vocab.js';

export interface TextCnnShape {
  readonly vocab: number;
  readonly dim: number;
  readonly filters: number;
  readonly widths: readonly number[];
  readonly classes: number;
  /** Longest sequence the network will see (the encoder's maxLength). */
  readonly maxLength: number;
  /** Bag mode: the exported graph takes the n-gram bag inputs. */
  readonly bag: boolean;
  /** The mean of the text's word vectors joins the max-pooled filters before the output layer. */
  readonly meanPool: boolean;
}

/** The weights, in the layout the kernels want (conv filter f of width w: [w × dim] row-major, token-major). */
export interface TextCnnWeights {
  readonly embedding: Float32Array;
  readonly conv: readonly Float32Array[];
  readonly convBias: readonly Float32Array[];
  readonly output: Float32Array;
  readonly outputBias: Float32Array;
}

/** Max-pooled filters of every width, then (meanPool) the mean word vector. */
export function hiddenSize(s: TextCnnShape): number {
  return s.widths.length * s.filters + (s.meanPool ? s.dim : 0);
}

/** PyTorch's default initialisation: N-like U(±√3) embedding (unit variance), U(±1/√fan_in) elsewhere; pad row zero. */
export function initTextCnn(s: TextCnnShape, seed: number, embeddingScale = 1): TextCnnWeights {
  const random = createRandom(seed);
  const embedding = new Float32Array(s.vocab * s.dim);
  fillUniform(embedding, Math.sqrt(3) * embeddingScale, random);
  embedding.fill(0, PAD_ID * s.dim, (PAD_ID + 1) * s.dim);
  const conv = s.widths.map((w) => new Float32Array(s.filters * w * s.dim));
  const convBias = s.widths.map(() => new Float32Array(s.filters));
  s.widths.forEach((w, i) => {
    const bound = 1 / Math.sqrt(w * s.dim);
    fillUniform(conv[i]!, bound, random);
    fillUniform(convBias[i]!, bound, random);
  });
  const h = hiddenSize(s);
  const output = new Float32Array(s.classes * h);
  const outputBias = new Float32Array(s.classes);
  fillUniform(output, 1 / Math.sqrt(h), random);
  fillUniform(outputBias, 1 / Math.sqrt(h), random);
  return { embedding, conv, convBias, output, outputBias };
}

export function weightTensors(w: TextCnnWeights): Float32Array[] {
  return [w.embedding, ...w.conv, ...w.convBias, w.output, w.outputBias];
}

/** Gradient buffers of one shard, one per weight tensor (SharedArrayBuffer-backed when a worker writes them). */
export interface TextCnnGrads extends TextCnnWeights {
  /** Embedding rows with a gradient this batch, and how many (element 0). */
  readonly touched: Int32Array;
  readonly touchedCount: Int32Array;
}

export function sharedLike(a: Float32Array): Float32Array {
  return new Float32Array(new SharedArrayBuffer(Math.max(4, a.byteLength)), 0, a.length);
}

export function sharedCopy(a: Float32Array): Float32Array {
  const s = sharedLike(a);
  s.set(a);
  return s;
}

export function allocGrads(w: TextCnnWeights, vocab: number): TextCnnGrads {
  return {
    embedding: sharedLike(w.embedding), conv: w.conv.map(sharedLike), convBias: w.convBias.map(sharedLike),
    output: sharedLike(w.output), outputBias: sharedLike(w.outputBias),
    touched: new Int32Array(new SharedArrayBuffer(Math.max(4, vocab * 4))), touchedCount: new Int32Array(new SharedArrayBuffer(4)),
  };
}

export function sharedWeights(w: TextCnnWeights): TextCnnWeights {
  return { embedding: sharedCopy(w.embedding), conv: w.conv.map(sharedCopy), convBias: w.convBias.map(sharedCopy), output: sharedCopy(w.output), outputBias: sharedCopy(w.outputBias) };
}

/** The shared dropout step (rate: on the pooled features) plus word dropout. */
export interface TextCnnDropout extends DropoutStep {
  /** Word dropout: the share of positions whose embedding is zeroed for this step (no rescaling). */
  readonly wordRate?: number;
}

/** Keeps the word-dropout mask independent of the feature-dropout mask drawn for the same step. */
const WORD_DROPOUT_SALT = 0x5bd1e995;

/**
 * Text-CNN forward and backward over a batch: embedding lookup (a position is the mean of its slots'
 * rows: a word, or a word and its character n-grams), one convolution per width (windows
 * that start past the last token are masked, so a text's padding never changes its result), ReLU,
 * max-pool over time, dropout, a linear layer, softmax. The backward pass is sparse where the
 * maths is: max-pooling routes each filter's gradient to one window, and the embedding gradient
 * touches only the batch's tokens.
 */
export class TextCnnNet {
  readonly shape: TextCnnShape;
  readonly weights: TextCnnWeights;
  private readonly capacity: number;
  private readonly hidden: number;
  private readonly rowLength: number;
  private readonly maxWidth: number;
  private readonly x: Float32Array;
  private readonly convOut: Float32Array;
  private readonly pooled: Float32Array;
  private readonly argmax: Int32Array;
  private readonly keep: Float32Array;
  private readonly dropped: Float32Array;
  readonly proba: Float32Array;
  private readonly dHidden: Float32Array;
  private readonly dX: Float32Array;
  /** Where this network's backward pass accumulates (absent for inference-only networks). */
  readonly grads: TextCnnGrads | undefined;
  private readonly stamp: Int32Array;
  private readonly targets: Int32Array;
  /** 1 where a position's embedding went in this forward pass, 0 where word dropout zeroed it. */
  private readonly wordKept: Uint8Array;

  constructor(shape: TextCnnShape, weights: TextCnnWeights, capacity: number, grads?: TextCnnGrads) {
    this.shape = shape;
    this.weights = weights;
    this.capacity = capacity;
    const { dim, filters, classes } = shape;
    const maxWidth = Math.max(...shape.widths);
    this.maxWidth = maxWidth;
    this.hidden = hiddenSize(shape);
    this.rowLength = Math.max(shape.maxLength, maxWidth);
    this.x = new Float32Array(capacity * this.rowLength * dim);
    this.convOut = new Float32Array(this.rowLength * filters);
    this.pooled = new Float32Array(capacity * this.hidden);
    this.argmax = new Int32Array(capacity * this.hidden);
    this.keep = new Float32Array(capacity * this.hidden);
    this.dropped = new Float32Array(capacity * this.hidden);
    this.proba = new Float32Array(capacity * classes);
    this.dHidden = new Float32Array(capacity * this.hidden);
    this.dX = new Float32Array(this.rowLength * dim);
    this.grads = grads;
    this.stamp = new Int32Array(grads ? shape.vocab : 0).fill(-1);
    this.wordKept = new Uint8Array(capacity * this.rowLength);
    this.targets = new Int32Array(capacity);
  }

  /** Forward pass of sequences order[from .. from + count) into this.proba (count × classes). */
  forward(seq: SlotSequences, order: Int32Array | null, from: number, count: number, dropout: TextCnnDropout | null, batchOffset = 0): void {
    if (count > this.capacity) throw new RangeError(`batch of ${count} exceeds the network's capacity ${this.capacity}`);
    const { dim, filters, widths, classes } = this.shape;
    const { embedding, conv, convBias } = this.weights;
    const H = this.hidden;
    const maxWidth = this.maxWidth;
    const x = this.x;
    const convOut = this.convOut;
    const pooled = this.pooled;
    const argmax = this.argmax;
    for (let b = 0; b < count; b++) {
      const i = order === null ? from + b : order[from + b]!;
      const n = seq.lengths[i]!;
      const s = seq.starts[i]!;
      const xo = b * this.rowLength * dim;
      const wordRate = dropout?.wordRate ?? 0;
      for (let p = 0; p < n; p++) {
        const k = b * this.rowLength + p;
        if (wordRate > 0 && hashUniform(dropout!.seed ^ WORD_DROPOUT_SALT, dropout!.step, (batchOffset + b) * this.rowLength + p) < wordRate) {
          x.fill(0, xo + p * dim, xo + (p + 1) * dim);
          this.wordKept[k] = 0;
        } else {
          embedPosition(seq, s + p, embedding, dim, x, xo + p * dim);
          this.wordKept[k] = 1;
        }
      }
      const L = n > maxWidth ? n : maxWidth;
      if (L > n) x.fill(0, xo + n * dim, xo + L * dim);
      for (let wi = 0; wi < widths.length; wi++) {
        const w = widths[wi]!;
        const windows = (n - w > 0 ? n - w : 0) + 1;
        matmulRows(x, xo, dim, windows, conv[wi]!, w * dim, filters, convBias[wi]!, convOut, 0, filters);
        const po = b * H + wi * filters;
        for (let f = 0; f < filters; f++) {
          let best = 0;
          let at = -1;
          for (let t = 0; t < windows; t++) {
            const v = convOut[t * filters + f]!;
            if (v > best) { best = v; at = t; }
          }
          pooled[po + f] = best;
          argmax[po + f] = at;
        }
      }
      if (this.shape.meanPool) {
        const mo = b * H + widths.length * filters;
        pooled.fill(0, mo, mo + dim);
        for (let p = 0; p < n; p++) {
          const xp = xo + p * dim;
          for (let j = 0; j < dim; j++) pooled[mo + j] = pooled[mo + j]! + x[xp + j]!;
        }
        if (n > 1) for (let j = 0; j < dim; j++) pooled[mo + j] = pooled[mo + j]! / n;
      }
    }
    const hiddenIn = dropout === null || dropout.rate === 0 ? pooled : this.applyDropout(count, dropout, batchOffset);
    const proba = this.proba;
    matmulRows(hiddenIn, 0, H, count, this.weights.output, H, classes, this.weights.outputBias, proba, 0, classes);
    for (let b = 0; b < count; b++) softmaxInPlace(proba, b * classes, classes);
  }

  private applyDropout(count: number, d: TextCnnDropout, batchOffset: number): Float32Array {
    const H = this.hidden;
    const scale = 1 / (1 - d.rate);
    const base = batchOffset * H;
    for (let k = 0; k < count * H; k++) {
      const keep = hashUniform(d.seed, d.step, base + k) >= d.rate ? scale : 0;
      this.keep[k] = keep;
      this.dropped[k] = this.pooled[k]! * keep;
    }
    return this.dropped;
  }

  /**
   * Forward and backward over examples order[from .. from + count), one shard of a batch of
   * `batchTotal` examples starting `batchOffset` examples into it: gradients of the batch-mean loss
   * are added to this.grads (the optimiser zeroes them). Classes whose probability is below
   * `sparseBelow` (and are not the target) get no gradient for that example. Returns the summed
   * cross-entropy of the shard.
   */
  accumulate(seq: SlotSequences, order: Int32Array, from: number, count: number, batchTotal: number, batchOffset: number, y: Int32Array,
    classWeight: Float32Array | null, sparseBelow: number, dropout: TextCnnDropout, step: number): number {
    const grads = this.grads;
    if (!grads) throw new Error('accumulate needs a network built with gradient buffers');
    this.forward(seq, order, from, count, dropout.rate > 0 || (dropout.wordRate ?? 0) > 0 ? dropout : null, batchOffset);
    const { dim, filters, widths, classes } = this.shape;
    const H = this.hidden;
    const proba = this.proba;
    const hiddenIn = dropout.rate > 0 ? this.dropped : this.pooled;
    const { output, conv } = this.weights;
    const dHidden = this.dHidden;
    const targets = this.targets;
    for (let b = 0; b < count; b++) targets[b] = y[order[from + b]!]!;
    // Output layer: the logit gradients overwrite proba, then two dense products on the SIMD kernels.
    const layer = { classes, width: H, weight: output, gradWeight: grads.output, gradBias: grads.outputBias };
    const loss = softmaxCrossEntropyBackward(layer, proba, null, count, targets, classWeight, 1 / batchTotal, sparseBelow, hiddenIn, dHidden, proba);
    if (dropout.rate > 0) for (let k = 0; k < count * H; k++) dHidden[k] = dHidden[k]! * this.keep[k]!;
    // Convolutions: each filter's gradient flows to the one window max-pooling picked.
    const x = this.x;
    const dX = this.dX;
    const gEmbedding = grads.embedding;
    const touched = grads.touched;
    let touchedCount = grads.touchedCount[0]!;
    for (let b = 0; b < count; b++) {
      const i = order[from + b]!;
      const n = seq.lengths[i]!;
      const s = seq.starts[i]!;
      const xo = b * this.rowLength * dim;
      const L = n > this.maxWidth ? n : this.maxWidth;
      dX.fill(0, 0, L * dim);
      for (let wi = 0; wi < widths.length; wi++) {
        const K = widths[wi]! * dim;
        const gConv = grads.conv[wi]!;
        const gConvBias = grads.convBias[wi]!;
        const W = conv[wi]!;
        const ho = b * H + wi * filters;
        for (let f = 0; f < filters; f++) {
          const t = this.argmax[ho + f]!;
          const g = dHidden[ho + f]!;
          if (t < 0 || g === 0) continue;
          gConvBias[f] = gConvBias[f]! + g;
          const xs = xo + t * dim;
          const ds = t * dim;
          const wf = f * K;
          for (let k = 0; k < K; k++) {
            gConv[wf + k] = gConv[wf + k]! + g * x[xs + k]!;
            dX[ds + k] = dX[ds + k]! + g * W[wf + k]!;
          }
        }
      }
      if (this.shape.meanPool && n > 0) {
        // The mean's gradient reaches every word equally.
        const mo = b * H + widths.length * filters;
        const inv = 1 / n;
        for (let p = 0; p < n; p++) for (let j = 0; j < dim; j++) dX[p * dim + j] = dX[p * dim + j]! + dHidden[mo + j]! * inv;
      }
      for (let p = 0; p < n; p++) {
        if (this.wordKept[b * this.rowLength + p] === 0) continue;
        const a = seq.posStart[s + p]!;
        const e = seq.posStart[s + p + 1]!;
        const scale = 1 / (e - a);
        const dp = p * dim;
        for (let k = a; k < e; k++) {
          const row = seq.slots[k]!;
          if (row === PAD_ID) continue;
          const ro = row * dim;
          if (this.stamp[row] !== step) {
            this.stamp[row] = step;
            touched[touchedCount++] = row;
            gEmbedding.fill(0, ro, ro + dim);
          }
          for (let j = 0; j < dim; j++) gEmbedding[ro + j] = gEmbedding[ro + j]! + dX[dp + j]! * scale;
        }
      }
    }
    grads.touchedCount[0] = touchedCount;
    return loss;
  }
}

/** x[xo .. xo + dim) = the mean of the embedding rows of position q's slots. */
function embedPosition(seq: SlotSequences, q: number, embedding: Float32Array, dim: number, x: Float32Array, xo: number): void {
  const a = seq.posStart[q]!;
  const e = seq.posStart[q + 1]!;
  const first = seq.slots[a]! * dim;
  if (e - a === 1) {
    x.set(embedding.subarray(first, first + dim), xo);
    return;
  }
  for (let j = 0; j < dim; j++) x[xo + j] = embedding[first + j]!;
  for (let k = a + 1; k < e; k++) {
    const ro = seq.slots[k]! * dim;
    for (let j = 0; j < dim; j++) x[xo + j] = x[xo + j]! + embedding[ro + j]!;
  }
  const scale = 1 / (e - a);
  for (let j = 0; j < dim; j++) x[xo + j] = x[xo + j]! * scale;
}
