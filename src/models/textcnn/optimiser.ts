import { adamDense, adamEmbedding, AdamState, type AdamSettings } from '../deep/adam.js';
import { weightTensors, type TextCnnGrads, type TextCnnWeights } from './network.js';

/**
 * Sums the shards' gradients in shard order (so the sum never depends on which thread computed a
 * shard) and takes one Adam step: dense tensors whole, the embedding only on the rows some shard
 * touched. Leaves the shard gradients zeroed for the next batch.
 */
export class TextCnnOptimiser {
  private readonly weights: TextCnnWeights;
  private readonly states: AdamState[];
  private readonly sum: Float32Array[];
  private readonly rowSum: Float32Array;
  private readonly seen: Int32Array;
  private readonly rows: Int32Array;
  private readonly dim: number;
  private step = 0;

  constructor(weights: TextCnnWeights, vocab: number, dim: number, private readonly lazyEmbedding: boolean) {
    this.weights = weights;
    this.dim = dim;
    const tensors = weightTensors(weights);
    this.states = tensors.map((t) => new AdamState(t.length));
    this.sum = tensors.slice(1).map((t) => new Float32Array(t.length));
    this.rowSum = new Float32Array(vocab * dim);
    this.seen = new Int32Array(vocab).fill(-1);
    this.rows = new Int32Array(vocab);
  }

  apply(shards: readonly TextCnnGrads[], adam: AdamSettings): void {
    const t = ++this.step;
    const dim = this.dim;
    let rowCount = 0;
    for (const g of shards) {
      const n = g.touchedCount[0]!;
      for (let i = 0; i < n; i++) {
        const row = g.touched[i]!;
        const o = row * dim;
        if (this.seen[row] !== t) {
          this.seen[row] = t;
          this.rows[rowCount++] = row;
          for (let j = 0; j < dim; j++) this.rowSum[o + j] = g.embedding[o + j]!;
        } else {
          for (let j = 0; j < dim; j++) this.rowSum[o + j] = this.rowSum[o + j]! + g.embedding[o + j]!;
        }
      }
      g.touchedCount[0] = 0;
    }
    adamEmbedding(this.weights.embedding, this.rowSum, this.states[0]!, adam, t, this.rows, rowCount, dim, !this.lazyEmbedding);
    const params = weightTensors(this.weights).slice(1);
    const shardTensors = shards.map((g) => weightTensors(g).slice(1));
    params.forEach((p, k) => {
      const sum = this.sum[k]!;
      sum.set(shardTensors[0]![k]!);
      for (let s = 1; s < shardTensors.length; s++) {
        const g = shardTensors[s]![k]!;
        for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + g[i]!;
      }
      for (const st of shardTensors) st[k]!.fill(0);
      adamDense(p, sum, this.states[k + 1]!, adam, t);
    });
  }
}
