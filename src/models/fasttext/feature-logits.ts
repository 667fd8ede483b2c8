/**
 * Entity features in fasttext (inputs of encoding tokens-v2; FastTextParams.featureWeight): each
 * feature value owns a row of class scores added to the text's scores before the softmax (a wide
 * part beside the text's embedding, as the linear model adds a feature's weights), never a word
 * inside the averaged text vector. As words they swamped the text (a token's ~25 character
 * n-grams, the ten of its column's prefix in every row) and, in synchronous mini-batches, a value
 * shared by a quarter of a batch moved the hidden vectors and the output layer in step until
 * training diverged. Here the text's part trains exactly as without features, and a value's row
 * takes the mean of its examples' steps in a batch, so a value every row shares moves no faster
 * than a rare one.
 */

/** The training texts' feature tokens: per text, rows of a table of their own (ascending bucket order). */
export interface FeatureRows {
  /** texts + 1: CSR offsets into rows. */
  readonly offsets: Int32Array;
  readonly rows: Int32Array;
  /** Bucket of each row, ascending. */
  readonly bucketIds: Uint32Array;
}

/** Collects each text's feature-token buckets as featurisation meets them, then numbers the buckets. */
export class FeatureRowsBuilder {
  private ids = new Uint32Array(1024);
  private total = 0;
  private readonly offsets: Int32Array;
  private next = 0;

  constructor(texts: number) {
    this.offsets = new Int32Array(texts + 1);
  }

  /** The next text's feature buckets (texts in order). */
  add(buckets: Uint32Array): void {
    if (this.total + buckets.length > this.ids.length) {
      const grown = new Uint32Array(Math.max(this.ids.length * 2, this.total + buckets.length));
      grown.set(this.ids.subarray(0, this.total));
      this.ids = grown;
    }
    this.ids.set(buckets, this.total);
    this.total += buckets.length;
    this.offsets[++this.next] = this.total;
  }

  build(): FeatureRows {
    const ids = this.ids.subarray(0, this.total);
    const bucketIds = Uint32Array.from(new Set(ids)).sort();
    const rowOf = new Map<number, number>();
    bucketIds.forEach((b, r) => rowOf.set(b, r));
    return { offsets: this.offsets, rows: Int32Array.from(ids, (b) => rowOf.get(b)!), bucketIds };
  }
}

/**
 * Adds a text's feature rows to its class scores: `logits` is rows × classes, `scores` the text's
 * scores (classes first).
 */
export function addFeatureLogits(scores: Float32Array, logits: Float32Array, classes: number, rows: ArrayLike<number>, from: number, to: number): void {
  for (let f = from; f < to; f++) {
    const at = rows[f]! * classes;
    for (let c = 0; c < classes; c++) scores[c] = scores[c]! + logits[at + c]!;
  }
}
