import { adamDense, adamEmbedding, AdamState, type AdamSettings } from './adam.js';

/**
 * The optimiser side of a network trained on one thread (dnn, lstm): a gradient buffer and Adam
 * state per weight tensor, tensor 0 being the embedding table. The embedding gradient is kept
 * zero outside the rows the current step touched, which are tracked so that a step costs the
 * batch's rows, not the vocabulary's (except for the dense Adam update, see adamEmbedding).
 */
export class SingleThreadOptimiser {
  /** Gradient buffers, one per tensor, in the tensors' order. */
  readonly grads: Float32Array[];
  private readonly tensors: readonly Float32Array[];
  private readonly states: AdamState[];
  private readonly dim: number;
  private readonly touched: Int32Array;
  private readonly stamp: Int32Array;
  private touchedCount = 0;
  private step = 0;

  constructor(tensors: readonly Float32Array[], dim: number) {
    this.tensors = tensors;
    this.dim = dim;
    this.grads = tensors.map((t) => new Float32Array(t.length));
    this.states = tensors.map((t) => new AdamState(t.length));
    const rows = tensors[0]!.length / dim;
    this.touched = new Int32Array(rows);
    this.stamp = new Int32Array(rows).fill(-1);
  }

  /** Where embedding row `row` starts in grads[0]; the row is zeroed the first time a step touches it. */
  embeddingRow(row: number): number {
    const ro = row * this.dim;
    if (this.stamp[row] !== this.step) {
      this.stamp[row] = this.step;
      this.touched[this.touchedCount++] = row;
      this.grads[0]!.fill(0, ro, ro + this.dim);
    }
    return ro;
  }

  /** One Adam step on every tensor from the gradients accumulated since the last one, which it zeroes. */
  apply(adam: AdamSettings, lazyEmbedding: boolean): void {
    const t = ++this.step;
    adamEmbedding(this.tensors[0]!, this.grads[0]!, this.states[0]!, adam, t, this.touched, this.touchedCount, this.dim, !lazyEmbedding);
    this.touchedCount = 0;
    for (let k = 1; k < this.tensors.length; k++) {
      adamDense(this.tensors[k]!, this.grads[k]!, this.states[k]!, adam, t);
      this.grads[k]!.fill(0);
    }
  }
}
