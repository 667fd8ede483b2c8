import { createRandom } from '../../core/random.js';
import type { AdamSettings } from '../deep/adam.js';
import { hashUniform, type DropoutStep, type IdSequences } from '../deep/id-batch.js';
import { fillUniform } from '../deep/init.js';
import { matmulRows } from '../deep/matmul.js';
import type { SingleThreadNet } from '../deep/single-thread-kind.js';
import { SingleThreadOptimiser } from '../deep/single-thread-optimiser.js';
import { softmaxCrossEntropyBackward, type SoftmaxLayer } from '../deep/softmax.js';
import { softmaxInPlace } from '../softmax-row.js';
import { PAD_ID } from '../deep/vocab.js';

export interface LstmShape {
  readonly vocab: number;
  readonly dim: number;
  readonly hidden: number;
  readonly classes: number;
  readonly maxLength: number;
}

/** Gate rows in ONNX order (i, o, f, c), so the export needs no reordering. */
export interface LstmWeights {
  readonly embedding: Float32Array;
  /** [4H, dim] input weights. */
  readonly input: Float32Array;
  /** [4H, H] recurrent weights. */
  readonly recurrent: Float32Array;
  /** [4H] gate bias. */
  readonly bias: Float32Array;
  readonly output: Float32Array;
  readonly outputBias: Float32Array;
}

export function lstmTensors(w: LstmWeights): Float32Array[] {
  return [w.embedding, w.input, w.recurrent, w.bias, w.output, w.outputBias];
}

export function lstmWeightsOf(t: readonly Float32Array[]): LstmWeights {
  const [embedding, input, recurrent, bias, output, outputBias] = t as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  return { embedding, input, recurrent, bias, output, outputBias };
}

export function initLstm(s: LstmShape, seed: number): LstmWeights {
  const random = createRandom(seed);
  const H = s.hidden;
  const embedding = new Float32Array(s.vocab * s.dim);
  fillUniform(embedding, Math.sqrt(3), random);
  embedding.fill(0, PAD_ID * s.dim, (PAD_ID + 1) * s.dim);
  const bound = 1 / Math.sqrt(H);
  const input = new Float32Array(4 * H * s.dim);
  const recurrent = new Float32Array(4 * H * H);
  const bias = new Float32Array(4 * H);
  fillUniform(input, bound, random);
  fillUniform(recurrent, bound, random);
  fillUniform(bias, bound, random);
  // Forget-gate bias 1: remember by default, the usual remedy for early vanishing gradients.
  for (let j = 2 * H; j < 3 * H; j++) bias[j] = bias[j]! + 1;
  const output = new Float32Array(s.classes * H);
  const outputBias = new Float32Array(s.classes);
  fillUniform(output, bound, random);
  fillUniform(outputBias, bound, random);
  return { embedding, input, recurrent, bias, output, outputBias };
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/**
 * One-layer LSTM over the token embeddings; the state after the text's last token goes through
 * dropout and a linear layer to the classes. A batch runs time-major with its texts sorted by
 * length (longest first), so at step t the texts still running are a prefix and every step is one
 * blocked matrix product. A text without tokens runs one step on a zero vector (as the export).
 */
export class LstmNet implements SingleThreadNet<IdSequences> {
  readonly shape: LstmShape;
  readonly weights: LstmWeights;
  private readonly capacity: number;
  private readonly steps: number;
  private readonly slotOf: Int32Array;
  private readonly lengths: Int32Array;
  private readonly xs: Float32Array;
  private readonly gates: Float32Array;
  private readonly hs: Float32Array;
  private readonly cs: Float32Array;
  private readonly tanhC: Float32Array;
  private readonly final: Float32Array;
  private readonly keep: Float32Array;
  private readonly logits: Float32Array;
  readonly proba: Float32Array;
  /** Present when the network trains. */
  private readonly optimiser: SingleThreadOptimiser | undefined;
  private readonly outputLayer: SoftmaxLayer | undefined;

  constructor(shape: LstmShape, weights: LstmWeights, capacity: number, training: boolean) {
    this.shape = shape;
    this.weights = weights;
    this.capacity = capacity;
    const H = shape.hidden;
    this.steps = Math.max(1, shape.maxLength);
    const T = this.steps;
    this.slotOf = new Int32Array(capacity);
    this.lengths = new Int32Array(capacity);
    this.xs = new Float32Array(T * capacity * shape.dim);
    this.gates = new Float32Array(T * capacity * 4 * H);
    this.hs = new Float32Array((T + 1) * capacity * H);
    this.cs = new Float32Array((T + 1) * capacity * H);
    this.tanhC = new Float32Array(T * capacity * H);
    this.final = new Float32Array(capacity * H);
    this.keep = new Float32Array(capacity * H);
    this.logits = new Float32Array(capacity * shape.classes);
    this.proba = new Float32Array(capacity * shape.classes);
    this.optimiser = training ? new SingleThreadOptimiser(lstmTensors(weights), shape.dim) : undefined;
    this.outputLayer = this.optimiser && {
      classes: shape.classes, width: H, weight: weights.output, gradWeight: this.optimiser.grads[4]!, gradBias: this.optimiser.grads[5]!,
    };
  }

  /** Forward pass; this.proba rows follow the batch order (order[from + b]). */
  forward(seq: IdSequences, order: Int32Array | null, from: number, count: number, dropout: DropoutStep | null): void {
    if (count > this.capacity) throw new RangeError(`batch of ${count} exceeds the network's capacity ${this.capacity}`);
    const { dim, hidden: H, classes } = this.shape;
    const G = 4 * H;
    const w = this.weights;
    const exampleOf = (b: number): number => (order === null ? from + b : order[from + b]!);
    // Slots: batch positions sorted by length, longest first (ties by position).
    const slots = Array.from({ length: count }, (_, b) => b)
      .sort((a, b) => Math.max(1, seq.lengths[exampleOf(b)]!) - Math.max(1, seq.lengths[exampleOf(a)]!) || a - b);
    let longest = 1;
    for (let k = 0; k < count; k++) {
      this.slotOf[k] = slots[k]!;
      const n = Math.max(1, Math.min(seq.lengths[exampleOf(slots[k]!)]!, this.steps));
      this.lengths[k] = n;
      if (n > longest) longest = n;
    }
    const xs = this.xs;
    for (let t = 0; t < longest; t++) {
      for (let k = 0; k < count; k++) {
        if (this.lengths[k]! <= t) break;
        const i = exampleOf(this.slotOf[k]!);
        const xo = (t * count + k) * dim;
        if (seq.lengths[i]! === 0) { xs.fill(0, xo, xo + dim); continue; }
        const row = seq.ids[seq.starts[i]! + t]!;
        xs.set(w.embedding.subarray(row * dim, (row + 1) * dim), xo);
      }
    }
    const { gates, hs, cs, tanhC } = this;
    hs.fill(0, 0, count * H);
    cs.fill(0, 0, count * H);
    for (let t = 0; t < longest; t++) {
      let active = 0;
      while (active < count && this.lengths[active]! > t) active++;
      const go = t * count * G;
      matmulRows(xs, t * count * dim, dim, active, w.input, dim, G, w.bias, gates, go, G);
      addRecurrent(hs, t * count * H, active, w.recurrent, H, G, gates, go);
      for (let k = 0; k < active; k++) {
        const g0 = go + k * G;
        const hPrev = (t * count + k) * H;
        const hNext = ((t + 1) * count + k) * H;
        const tc = (t * count + k) * H;
        for (let j = 0; j < H; j++) {
          const ig = sigmoid(gates[g0 + j]!);
          const og = sigmoid(gates[g0 + H + j]!);
          const fg = sigmoid(gates[g0 + 2 * H + j]!);
          const cg = Math.tanh(gates[g0 + 3 * H + j]!);
          gates[g0 + j] = ig; gates[g0 + H + j] = og; gates[g0 + 2 * H + j] = fg; gates[g0 + 3 * H + j] = cg;
          const c = fg * cs[hPrev + j]! + ig * cg;
          cs[hNext + j] = c;
          const th = Math.tanh(c);
          tanhC[tc + j] = th;
          hs[hNext + j] = og * th;
        }
      }
      // Finished texts carry their state forward so the next step's prefix product stays aligned.
      for (let k = active; k < count; k++) {
        const a = (t * count + k) * H;
        const b = ((t + 1) * count + k) * H;
        hs.copyWithin(b, a, a + H);
        cs.copyWithin(b, a, a + H);
      }
    }
    const final = this.final;
    const scale = dropout === null ? 1 : 1 / (1 - dropout.rate);
    for (let k = 0; k < count; k++) {
      const b = this.slotOf[k]!;
      const src = (this.lengths[k]! * count + k) * H;
      for (let j = 0; j < H; j++) {
        const keep = dropout === null ? 1 : hashUniform(dropout.seed, dropout.step, b * H + j) >= dropout.rate ? scale : 0;
        this.keep[k * H + j] = keep;
        final[k * H + j] = hs[src + j]! * keep;
      }
    }
    matmulRows(final, 0, H, count, w.output, H, classes, w.outputBias, this.logits, 0, classes);
    for (let k = 0; k < count; k++) {
      const b = this.slotOf[k]!;
      this.proba.set(this.logits.subarray(k * classes, (k + 1) * classes), b * classes);
      softmaxInPlace(this.proba, b * classes, classes);
    }
  }

  trainStep(seq: IdSequences, order: Int32Array, from: number, count: number, y: Int32Array, classWeight: Float32Array | null,
    sparseBelow: number, adam: AdamSettings, dropout: DropoutStep, lazyEmbedding: boolean): number {
    const optimiser = this.optimiser;
    if (!optimiser || !this.outputLayer) throw new Error('trainStep needs a network built for training');
    this.forward(seq, order, from, count, dropout.rate > 0 ? dropout : null);
    const { dim, hidden: H, classes } = this.shape;
    const G = 4 * H;
    const w = this.weights;
    const [gEmb, gIn, gRec, gBias] = optimiser.grads as [Float32Array, Float32Array, Float32Array, Float32Array];
    const { gates, hs, cs, tanhC, xs } = this;
    let loss = 0;
    const inv = 1 / count;
    const dFinal = new Float32Array(count * H);
    const targets = new Int32Array(count);
    for (let k = 0; k < count; k++) targets[k] = y[order[from + this.slotOf[k]!]!]!;
    loss += softmaxCrossEntropyBackward(this.outputLayer, this.proba, this.slotOf, count, targets, classWeight, inv, sparseBelow, this.final, dFinal, new Float32Array(count * classes));
    for (let k = 0; k < count * H; k++) dFinal[k] = dFinal[k]! * this.keep[k]!;
    // Back-propagation through time, longest step first.
    const recurrentT = transpose(w.recurrent, G, H);
    const inputT = transpose(w.input, G, dim);
    const dh = new Float32Array(count * H);
    const dc = new Float32Array(count * H);
    const dG = new Float32Array(count * G);
    const dhPrev = new Float32Array(count * H);
    const dx = new Float32Array(count * dim);
    const longest = this.lengths[0]!;
    for (let t = longest - 1; t >= 0; t--) {
      let active = 0;
      while (active < count && this.lengths[active]! > t) active++;
      const go = t * count * G;
      for (let k = 0; k < active; k++) {
        if (this.lengths[k]! === t + 1) for (let j = 0; j < H; j++) dh[k * H + j] = dh[k * H + j]! + dFinal[k * H + j]!;
        const g0 = go + k * G;
        const cPrev = (t * count + k) * H;
        const tc = (t * count + k) * H;
        const d0 = k * G;
        for (let j = 0; j < H; j++) {
          const ig = gates[g0 + j]!;
          const og = gates[g0 + H + j]!;
          const fg = gates[g0 + 2 * H + j]!;
          const cg = gates[g0 + 3 * H + j]!;
          const th = tanhC[tc + j]!;
          const dhj = dh[k * H + j]!;
          const dcj = dc[k * H + j]! + dhj * og * (1 - th * th);
          dG[d0 + j] = dcj * cg * ig * (1 - ig);
          dG[d0 + H + j] = dhj * th * og * (1 - og);
          dG[d0 + 2 * H + j] = dcj * cs[cPrev + j]! * fg * (1 - fg);
          dG[d0 + 3 * H + j] = dcj * ig * (1 - cg * cg);
          dc[k * H + j] = dcj * fg;
        }
      }
      for (let k = 0; k < active; k++) {
        const d0 = k * G;
        const hPrev = (t * count + k) * H;
        const xo = (t * count + k) * dim;
        for (let q = 0; q < G; q++) {
          const g = dG[d0 + q]!;
          if (g === 0) continue;
          gBias[q] = gBias[q]! + g;
          const ro = q * H;
          for (let j = 0; j < H; j++) gRec[ro + j] = gRec[ro + j]! + g * hs[hPrev + j]!;
          const io = q * dim;
          for (let j = 0; j < dim; j++) gIn[io + j] = gIn[io + j]! + g * xs[xo + j]!;
        }
      }
      matmulRows(dG, 0, G, active, recurrentT, G, H, null, dhPrev, 0, H);
      dh.set(dhPrev.subarray(0, active * H));
      matmulRows(dG, 0, G, active, inputT, G, dim, null, dx, 0, dim);
      for (let k = 0; k < active; k++) {
        const i = order[from + this.slotOf[k]!]!;
        if (seq.lengths[i]! === 0) continue;
        const row = seq.ids[seq.starts[i]! + t]!;
        if (row === PAD_ID) continue;
        const ro = optimiser.embeddingRow(row);
        for (let j = 0; j < dim; j++) gEmb[ro + j] = gEmb[ro + j]! + dx[k * dim + j]!;
      }
    }
    optimiser.apply(adam, lazyEmbedding);
    return loss;
  }
}

/** gates[go + k*G + q] += Σ_j h[hBase + k*H + j] · R[q*H + j] for the first `rows` texts. */
function addRecurrent(h: Float32Array, hBase: number, rows: number, R: Float32Array, H: number, G: number, gates: Float32Array, go: number): void {
  const tmp = scratch(rows * G);
  matmulRows(h, hBase, H, rows, R, H, G, null, tmp, 0, G);
  for (let i = 0; i < rows * G; i++) gates[go + i] = gates[go + i]! + tmp[i]!;
}

let scratchBuffer = new Float32Array(0);
function scratch(n: number): Float32Array {
  if (scratchBuffer.length < n) scratchBuffer = new Float32Array(n);
  return scratchBuffer;
}

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}
