/**
 * Adam (Kingma & Ba) over flat Float32Array parameters. Dense tensors update every element each
 * step; the embedding updates only the rows a batch touched ("lazy" Adam, as PyTorch's SparseAdam),
 * which keeps a step's cost proportional to the batch, not the vocabulary.
 */
export interface AdamSettings {
  readonly lr: number;
  /** The embedding table's learning rate when it differs from lr (a row moves only when its word occurs, so it may need bigger steps). */
  readonly embeddingLr?: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
}

export const ADAM_DEFAULTS: Omit<AdamSettings, 'lr'> = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

export class AdamState {
  readonly m: Float32Array;
  readonly v: Float32Array;
  constructor(size: number) {
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }
}

/** One step on elements [from, to) of a tensor; `step` counts from 1. */
export function adamDense(p: Float32Array, g: Float32Array, s: AdamState, a: AdamSettings, step: number, from = 0, to = p.length): void {
  const { beta1, beta2, eps } = a;
  const c1 = 1 - Math.pow(beta1, step);
  const c2 = 1 - Math.pow(beta2, step);
  const lrT = (a.lr * Math.sqrt(c2)) / c1;
  const epsT = eps * Math.sqrt(c2);
  const m = s.m;
  const v = s.v;
  for (let i = from; i < to; i++) {
    const gi = g[i]!;
    const mi = beta1 * m[i]! + (1 - beta1) * gi;
    const vi = beta2 * v[i]! + (1 - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i]! - (lrT * mi) / (Math.sqrt(vi) + epsT);
  }
}

/** One step on whole rows of width `dim` (the rows listed, in that order). */
export function adamRows(p: Float32Array, g: Float32Array, s: AdamState, a: AdamSettings, step: number, rows: Int32Array, count: number, dim: number): void {
  for (let i = 0; i < count; i++) {
    const from = rows[i]! * dim;
    adamDense(p, g, s, a, step, from, from + dim);
  }
}

/**
 * The embedding step. Dense (the default, as PyTorch's Adam on an nn.Embedding): every row moves,
 * rows outside the batch on their momentum alone, which measured clearly faster learning on HS4
 * (rare words keep moving after their one occurrence) at the cost of a pass over the whole table.
 * Lazy: only the touched rows. Either way the touched rows of g are zeroed afterwards, and the
 * caller keeps every other row of g zero.
 */
export function adamEmbedding(p: Float32Array, g: Float32Array, s: AdamState, settings: AdamSettings, step: number, rows: Int32Array, count: number, dim: number, dense: boolean): void {
  const a = settings.embeddingLr === undefined ? settings : { ...settings, lr: settings.embeddingLr };
  if (dense) adamDense(p, g, s, a, step);
  else adamRows(p, g, s, a, step, rows, count, dim);
  for (let i = 0; i < count; i++) g.fill(0, rows[i]! * dim, (rows[i]! + 1) * dim);
}
