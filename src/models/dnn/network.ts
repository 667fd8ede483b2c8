import { createRandom } from '../../core/random.js';
import type { AdamSettings } from '../deep/adam.js';
import { hashUniform, type DropoutStep } from '../deep/id-batch.js';
import { fillUniform } from '../deep/init.js';
import { matmulRows } from '../deep/matmul.js';
import type { SingleThreadNet } from '../deep/single-thread-kind.js';
import { SingleThreadOptimiser } from '../deep/single-thread-optimiser.js';
import type { SlotSequences } from '../deep/slot-sequences.js';
import { softmaxCrossEntropyBackward, type SoftmaxLayer } from '../deep/softmax.js';
import { softmaxInPlace } from '../softmax-row.js';
import { PAD_ID } from '../deep/vocab.js';

export interface DnnShape {
  readonly vocab: number;
  readonly dim: number;
  readonly hidden: number;
  readonly classes: number;
  /** Bag mode: the exported graph takes the n-gram bag inputs. */
  readonly bag: boolean;
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

export function dnnWeightsOf(t: readonly Float32Array[]): DnnWeights {
  const [embedding, hidden, hiddenBias, output, outputBias] = t as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  return { embedding, hidden, hiddenBias, output, outputBias };
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
 * layer, dropout, a linear layer, softmax. A position may itself be a mean of slots (bag mode: a
 * word and its character n-grams), which the text's mean simply averages in. Cheap enough that
 * one thread trains it quickly, so it has no shards.
 */
export class DnnNet implements SingleThreadNet<SlotSequences> {
  readonly shape: DnnShape;
  readonly weights: DnnWeights;
  private readonly capacity: number;
  private readonly mean: Float32Array;
  private readonly act: Float32Array;
  private readonly keep: Float32Array;
  readonly proba: Float32Array;
  private readonly dAct: Float32Array;
  private readonly dLogits: Float32Array;
  private readonly targets: Int32Array;
  private readonly dMean: Float32Array;
  /** Present when the network trains. */
  private readonly optimiser: SingleThreadOptimiser | undefined;
  private readonly outputLayer: SoftmaxLayer | undefined;

  constructor(shape: DnnShape, weights: DnnWeights, capacity: number, training: boolean) {
    this.shape = shape;
    this.weights = weights;
    this.capacity = capacity;
    this.mean = new Float32Array(capacity * shape.dim);
    this.act = new Float32Array(capacity * shape.hidden);
    this.keep = new Float32Array(capacity * shape.hidden);
    this.proba = new Float32Array(capacity * shape.classes);
    this.dAct = new Float32Array(training ? capacity * shape.hidden : 0);
    this.dLogits = new Float32Array(training ? capacity * shape.classes : 0);
    this.targets = new Int32Array(training ? capacity : 0);
    this.dMean = new Float32Array(training ? shape.dim : 0);
    this.optimiser = training ? new SingleThreadOptimiser(dnnTensors(weights), shape.dim) : undefined;
    this.outputLayer = this.optimiser && {
      classes: shape.classes, width: shape.hidden, weight: weights.output, gradWeight: this.optimiser.grads[3]!, gradBias: this.optimiser.grads[4]!,
    };
  }

  forward(seq: SlotSequences, order: Int32Array | null, from: number, count: number, dropout: DropoutStep | null): void {
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
      for (let p = 0; p < n; p++) addPositionMean(seq, s + p, embedding, dim, mean, mo);
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

  trainStep(seq: SlotSequences, order: Int32Array, from: number, count: number, y: Int32Array, classWeight: Float32Array | null,
    sparseBelow: number, adam: AdamSettings, dropout: DropoutStep, lazyEmbedding: boolean): number {
    const optimiser = this.optimiser;
    if (!optimiser || !this.outputLayer) throw new Error('trainStep needs a network built for training');
    this.forward(seq, order, from, count, dropout.rate > 0 ? dropout : null);
    const { dim, hidden, classes } = this.shape;
    const w = this.weights;
    const [gEmb, gHidden, gHiddenBias] = optimiser.grads as [Float32Array, Float32Array, Float32Array];
    const dAct = this.dAct;
    const targets = this.targets;
    for (let b = 0; b < count; b++) targets[b] = y[order[from + b]!]!;
    const loss = softmaxCrossEntropyBackward(this.outputLayer, this.proba, null, count, targets, classWeight, 1 / count, sparseBelow, this.act, dAct, this.dLogits);
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
      for (let q = s; q < s + n; q++) {
        const a = seq.posStart[q]!;
        const e = seq.posStart[q + 1]!;
        // A slot's share of the text's mean: 1 / (positions × slots of its position).
        const slotShare = share / (e - a);
        for (let k = a; k < e; k++) {
          const row = seq.slots[k]!;
          if (row === PAD_ID) continue;
          const ro = optimiser.embeddingRow(row);
          for (let j = 0; j < dim; j++) gEmb[ro + j] = gEmb[ro + j]! + dMean[j]! * slotShare;
        }
      }
    }
    optimiser.apply(adam, lazyEmbedding);
    return loss;
  }
}

/** x[xo .. xo + dim) += the mean of the embedding rows of position q's slots (one row outside bag mode). */
function addPositionMean(seq: SlotSequences, q: number, embedding: Float32Array, dim: number, x: Float32Array, xo: number): void {
  const a = seq.posStart[q]!;
  const e = seq.posStart[q + 1]!;
  if (e - a === 1) {
    const ro = seq.slots[a]! * dim;
    for (let j = 0; j < dim; j++) x[xo + j] = x[xo + j]! + embedding[ro + j]!;
    return;
  }
  const scale = 1 / (e - a);
  for (let k = a; k < e; k++) {
    const ro = seq.slots[k]! * dim;
    for (let j = 0; j < dim; j++) x[xo + j] = x[xo + j]! + embedding[ro + j]! * scale;
  }
}
