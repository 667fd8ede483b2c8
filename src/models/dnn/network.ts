import { createRandom } from '../../core/random.js';
import { adamDense, adamEmbedding, AdamState, type AdamSettings } from '../deep/adam.js';
import { hashUniform, type IdSequences } from '../deep/id-batch.js';
import { fillUniform } from '../deep/init.js';
import { matmulRows } from '../deep/matmul.js';
import { PAD_ID } from '../deep/vocab.js';
import { softmaxInPlace } from '../textcnn/network.js';

export interface DnnShape {
  readonly vocab: number;
  readonly dim: number;
  readonly hidden: number;
  readonly classes: number;
}

export interface DnnWeights {
  readonly embedding: Float32Array;
  readonly hidden: Float32Array;
  readonly hiddenBias: Float32Array;
  readonly output: Float32Array;
  readonly outputBias: Float32Array;
}

export function dnnTensors(w: DnnWeights): Float32Array[] {
  return [w.embedding, w.hidden, w.hiddenBias, w.output, w.outputBias];
}

export function initDnn(s: DnnShape, seed: number): DnnWeights {
  const random = createRandom(seed);
  const embedding = new Float32Array(s.vocab * s.dim);
  fillUniform(embedding, Math.sqrt(3), random);
  embedding.fill(0, PAD_ID * s.dim, (PAD_ID + 1) * s.dim);
  const hidden = new Float32Array(s.hidden * s.dim);
  const hiddenBias = new Float32Array(s.hidden);
  fillUniform(hidden, 1 / Math.sqrt(s.dim), random);
  fillUniform(hiddenBias, 1 / Math.sqrt(s.dim), random);
  const output = new Float32Array(s.classes * s.hidden);
  const outputBias = new Float32Array(s.classes);
  fillUniform(output, 1 / Math.sqrt(s.hidden), random);
  fillUniform(outputBias, 1 / Math.sqrt(s.hidden), random);
  return { embedding, hidden, hiddenBias, output, outputBias };
}

/**
 * The DNN of the paper's comparison: the mean of the text's token embeddings, one ReLU hidden
 * layer, dropout, a linear layer, softmax. Cheap enough that one thread trains it quickly, so it
 * has no shards: the result trivially does not depend on the thread count.
 */
export class DnnNet {
  readonly shape: DnnShape;
  readonly weights: DnnWeights;
  private readonly capacity: number;
  private readonly mean: Float32Array;
  private readonly act: Float32Array;
  private readonly keep: Float32Array;
  readonly proba: Float32Array;
  private readonly dAct: Float32Array;
  private readonly dMean: Float32Array;
  private readonly grads: Float32Array[];
  private readonly states: AdamState[];
  private readonly touched: Int32Array;
  private readonly stamp: Int32Array;
  private step = 0;

  constructor(shape: DnnShape, weights: DnnWeights, capacity: number, training: boolean) {
    this.shape = shape;
    this.weights = weights;
    this.capacity = capacity;
    this.mean = new Float32Array(capacity * shape.dim);
    this.act = new Float32Array(capacity * shape.hidden);
    this.keep = new Float32Array(capacity * shape.hidden);
    this.proba = new Float32Array(capacity * shape.classes);
    this.dAct = new Float32Array(training ? capacity * shape.hidden : 0);
    this.dMean = new Float32Array(training ? shape.dim : 0);
    const tensors = dnnTensors(weights);
    this.grads = training ? tensors.map((t) => new Float32Array(t.length)) : [];
    this.states = training ? tensors.map((t) => new AdamState(t.length)) : [];
    this.touched = new Int32Array(training ? shape.vocab : 0);
    this.stamp = new Int32Array(training ? shape.vocab : 0).fill(-1);
  }

  forward(seq: IdSequences, order: Int32Array | null, from: number, count: number, dropout: { seed: number; step: number; rate: number } | null): void {
    if (count > this.capacity) throw new RangeError(`batch of ${count} exceeds the network's capacity ${this.capacity}`);
    const { dim, hidden, classes } = this.shape;
    const { embedding } = this.weights;
    const mean = this.mean;
    mean.fill(0, 0, count * dim);
    for (let b = 0; b < count; b++) {
      const i = order === null ? from + b : order[from + b]!;
      const n = seq.lengths[i]!;
      const s = seq.starts[i]!;
      const mo = b * dim;
      for (let p = 0; p < n; p++) {
        const ro = seq.ids[s + p]! * dim;
        for (let j = 0; j < dim; j++) mean[mo + j] = mean[mo + j]! + embedding[ro + j]!;
      }
      if (n > 1) for (let j = 0; j < dim; j++) mean[mo + j] = mean[mo + j]! / n;
    }
    const act = this.act;
    matmulRows(mean, 0, dim, count, this.weights.hidden, dim, hidden, this.weights.hiddenBias, act, 0, hidden);
    const scale = dropout === null ? 1 : 1 / (1 - dropout.rate);
    for (let k = 0; k < count * hidden; k++) {
      const keep = dropout === null ? 1 : hashUniform(dropout.seed, dropout.step, k) >= dropout.rate ? scale : 0;
      this.keep[k] = act[k]! > 0 ? keep : 0;
      act[k] = act[k]! > 0 ? act[k]! * keep : 0;
    }
    matmulRows(act, 0, hidden, count, this.weights.output, hidden, classes, this.weights.outputBias, this.proba, 0, classes);
    for (let b = 0; b < count; b++) softmaxInPlace(this.proba, b * classes, classes);
  }

  trainStep(seq: IdSequences, order: Int32Array, from: number, count: number, y: Int32Array, classWeight: Float32Array | null,
    sparseBelow: number, adam: AdamSettings, dropout: { seed: number; step: number; rate: number }, lazyEmbedding = false): number {
    this.forward(seq, order, from, count, dropout.rate > 0 ? dropout : null);
    const { dim, hidden, classes } = this.shape;
    const w = this.weights;
    const [gEmb, gHidden, gHiddenBias, gOut, gOutBias] = this.grads as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
    const proba = this.proba;
    const act = this.act;
    const dAct = this.dAct;
    dAct.fill(0, 0, count * hidden);
    let loss = 0;
    const inv = 1 / count;
    for (let b = 0; b < count; b++) {
      const target = y[order[from + b]!]!;
      const cw = classWeight === null ? 1 : classWeight[target]!;
      const po = b * classes;
      const ao = b * hidden;
      loss += -Math.log(Math.max(proba[po + target]!, 1e-30)) * cw;
      for (let c = 0; c < classes; c++) {
        const p = proba[po + c]!;
        if (c !== target && p < sparseBelow) continue;
        const g = (p - (c === target ? 1 : 0)) * cw * inv;
        gOutBias[c] = gOutBias[c]! + g;
        const wo = c * hidden;
        for (let j = 0; j < hidden; j++) {
          gOut[wo + j] = gOut[wo + j]! + g * act[ao + j]!;
          dAct[ao + j] = dAct[ao + j]! + g * w.output[wo + j]!;
        }
      }
    }
    const step = this.step;
    let touchedCount = 0;
    const dMean = this.dMean;
    for (let b = 0; b < count; b++) {
      const ao = b * hidden;
      const mo = b * dim;
      dMean.fill(0);
      for (let h = 0; h < hidden; h++) {
        const g = dAct[ao + h]! * this.keep[ao + h]!;
        if (g === 0) continue;
        gHiddenBias[h] = gHiddenBias[h]! + g;
        const wo = h * dim;
        for (let j = 0; j < dim; j++) {
          gHidden[wo + j] = gHidden[wo + j]! + g * this.mean[mo + j]!;
          dMean[j] = dMean[j]! + g * w.hidden[wo + j]!;
        }
      }
      const i = order[from + b]!;
      const n = seq.lengths[i]!;
      const s = seq.starts[i]!;
      const share = n > 1 ? 1 / n : 1;
      for (let p = 0; p < n; p++) {
        const row = seq.ids[s + p]!;
        if (row === PAD_ID) continue;
        const ro = row * dim;
        if (this.stamp[row] !== step) {
          this.stamp[row] = step;
          this.touched[touchedCount++] = row;
          gEmb.fill(0, ro, ro + dim);
        }
        for (let j = 0; j < dim; j++) gEmb[ro + j] = gEmb[ro + j]! + dMean[j]! * share;
      }
    }
    const t = ++this.step;
    adamEmbedding(w.embedding, gEmb, this.states[0]!, adam, t, this.touched, touchedCount, dim, !lazyEmbedding);
    const dense = dnnTensors(w);
    for (let k = 1; k < dense.length; k++) {
      adamDense(dense[k]!, this.grads[k]!, this.states[k]!, adam, t);
      this.grads[k]!.fill(0);
    }
    return loss;
  }
}
