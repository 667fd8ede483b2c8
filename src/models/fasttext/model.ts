import type { SectionArray } from '../artifact.js';
import type { Classifier, Contribution } from '../classifier.js';
import { BucketFeaturiser } from './featurise.js';
import { addFeatureLogits } from './feature-logits.js';
import { FEATURE_MARK } from '../../text/feature-tokens.js';
import type { FastTextParams } from './params.js';
import { roundUp4 } from '../simd/wasm-bytes.js';
import { scoresKernel, type ScoresKernel } from './simd-scores.js';
import { gatherKernel } from './simd-gather.js';
import { softmaxKernel } from './simd-softmax.js';

/** (row address, factor) pairs the gather kernel takes per call; longer texts take several calls. */
const LIST_CAPACITY = 4096;

/** The trained weights. Only buckets that training touched have an embedding row. */
export interface FastTextWeights {
  /** Ascending bucket ids; bucket bucketIds[r] owns embedding row r. */
  readonly bucketIds: Uint32Array;
  /** Per row: its weight inside a text's weighted mean of rows. */
  readonly rowWeights: Float32Array;
  /**
   * bucketIds.length × dim: float32, or int8 with rowScales (value = q × rowScales[row]), which
   * reads a quarter of the memory per n-gram at prediction (the rows are tens of MB, so every row
   * read is a cache miss) for a rounding error far below what the mean over n-grams notices.
   */
  readonly embedding: Float32Array | Int8Array;
  /** Per row scale of an int8 embedding; absent for float32. */
  readonly rowScales?: Float32Array;
  /** dim × classes (transposed: the scores loop walks contiguous class runs). */
  readonly output: Float32Array;
  /** Ascending buckets of the entity-feature values training saw (feature-logits.ts); absent: none. */
  readonly featureBucketIds?: Uint32Array;
  /** featureBucketIds.length × classes: each value's class scores, added before the softmax. */
  readonly featureLogits?: Float32Array;
}

/**
 * A loaded fastText-style classifier: the weighted mean (or L2-normalised weighted sum, see
 * FastTextParams.hiddenNorm) of the embedding rows of a text's hashed word and character n-grams,
 * a linear layer to the classes, softmax. n-grams whose bucket training never saw
 * are left out of the average (they would only add their random initial vector as noise).
 */
export class FastTextClassifier implements Classifier {
  readonly kind = 'fasttext';
  readonly labels: readonly string[];
  readonly params: FastTextParams;
  readonly weights: FastTextWeights;
  private readonly featuriser: BucketFeaturiser;
  /** bucket -> embedding row, -1 when training never touched it. */
  private readonly rowOfBucket: Int32Array;
  private readonly hidden: Float64Array;
  /** rowWeights × rowScales: what a stored row value is multiplied by in the weighted sum. */
  private readonly rowFactors: Float32Array;
  private rowScratch = new Int32Array(1280);
  /**
   * With int8 rows the weighted sum runs in the SIMD gather kernel: the rows live in the kernel's
   * memory at embAt (rowStride bytes each), hiddenOf writes (row address, factor) pairs at listAt.
   */
  private readonly gather: ((list: number, listEnd: number, hidden: number, hiddenEnd: number) => void) | undefined;
  private readonly listAt: number;
  private readonly listRows: Int32Array;
  private readonly listFactors: Float32Array;
  private readonly embAt: number;
  private readonly rowStride: number;
  private readonly hiddenEnd: number;
  /** The output layer runs in a WebAssembly SIMD kernel; these are its memory's regions. */
  private readonly kernel: ScoresKernel;
  private readonly dimPadded: number;
  private readonly classesPadded: number;
  private readonly hiddenAt: number;
  private readonly scoresAt: number;
  private readonly kernelHidden: Float32Array;
  private readonly kernelScores: Float32Array;
  /** The first `classes` scores: made once, not a new view per text. */
  private readonly kernelProba: Float32Array;
  private readonly softmax: (at: number, end: number) => void;
  /** Entity-feature bucket -> its row of featureLogits. */
  private readonly featureRowOf = new Map<number, number>();
  private featureRowScratch = new Int32Array(16);

  constructor(labels: readonly string[], params: FastTextParams, weights: FastTextWeights) {
    this.labels = labels;
    this.params = params;
    this.weights = weights;
    this.featuriser = new BucketFeaturiser(
      { wordNgrams: params.wordNgrams, charMin: params.charMin, charMax: params.charMax, maxTokens: params.maxTokens }, params.buckets, params.featureWeight > 0);
    this.rowOfBucket = new Int32Array(params.buckets).fill(-1);
    const ids = weights.bucketIds;
    for (let r = 0; r < ids.length; r++) this.rowOfBucket[ids[r]!] = r;
    weights.featureBucketIds?.forEach((b, r) => this.featureRowOf.set(b, r));
    this.hidden = new Float64Array(params.dim);
    // Plain loops, not Float32Array.from with a map function or a subarray per row: with 300k rows
    // those cost about 100 ms of a fastText model's load (cold start: bench:serve).
    const rowCount = weights.bucketIds.length;
    this.rowFactors = new Float32Array(rowCount);
    const scales = weights.rowScales;
    for (let r = 0; r < rowCount; r++) this.rowFactors[r] = weights.rowWeights[r]! * (scales === undefined ? 1 : scales[r]!);
    const classes = labels.length;
    const dp = roundUp4(params.dim);
    const cp = roundUp4(classes);
    this.dimPadded = dp;
    this.classesPadded = cp;
    // The hidden region spans whole 16-float blocks (the gather kernel's step); the scores kernel reads its first dp.
    const dim16 = (params.dim + 15) & ~15;
    this.hiddenAt = dp * cp * 4;
    this.hiddenEnd = this.hiddenAt + dim16 * 4;
    this.scoresAt = this.hiddenEnd;
    this.listAt = (this.scoresAt + cp * 4 + 15) & ~15;
    this.rowStride = dim16;
    this.embAt = this.listAt + LIST_CAPACITY * 8;
    const int8 = weights.embedding instanceof Int8Array;
    this.kernel = scoresKernel(int8 ? this.embAt + rowCount * dim16 : this.scoresAt + cp * 4);
    const mem = this.kernel.memory.buffer;
    const pairs = new Int32Array(mem, this.listAt, LIST_CAPACITY * 2);
    this.listRows = pairs;
    this.listFactors = new Float32Array(mem, this.listAt, LIST_CAPACITY * 2);
    if (int8) {
      const emb = weights.embedding as Int8Array;
      const dim = params.dim;
      if (dim === dim16) {
        new Int8Array(mem, this.embAt, rowCount * dim16).set(emb.subarray(0, rowCount * dim));
      } else {
        // Buffer views copy a row natively with no object made per row.
        const from = Buffer.from(emb.buffer, emb.byteOffset, emb.byteLength);
        const to = Buffer.from(mem, this.embAt, rowCount * dim16);
        for (let r = 0; r < rowCount; r++) from.copy(to, r * dim16, r * dim, (r + 1) * dim);
      }
      this.gather = gatherKernel(this.kernel.memory);
    }
    const padded = new Float32Array(mem, 0, dp * cp);
    for (let j = 0; j < params.dim; j++) padded.set(weights.output.subarray(j * classes, (j + 1) * classes), j * cp);
    this.kernelHidden = new Float32Array(mem, this.hiddenAt, dim16);
    this.kernelScores = new Float32Array(mem, this.scoresAt, cp);
    this.kernelProba = this.kernelScores.subarray(0, classes);
    this.softmax = softmaxKernel(this.kernel.memory);
  }

  predictProba(texts: readonly string[], out: Float32Array): void {
    const classes = this.labels.length;
    if (out.length < texts.length * classes) {
      throw new RangeError(`predictProba needs ${texts.length * classes} output floats; got ${out.length}`);
    }
    const dim = this.params.dim;
    const kh = this.kernelHidden;
    const ks = this.kernelScores;
    for (let i = 0; i < texts.length; i++) {
      if (this.gather !== undefined) {
        this.hiddenByGather(texts[i]!);
      } else {
        this.hiddenOf(texts[i]!);
        for (let j = 0; j < dim; j++) kh[j] = this.hidden[j]!;
      }
      this.kernel.scores(0, this.hiddenAt, this.scoresAt, this.dimPadded, this.classesPadded);
      this.addFeatureScores();
      for (let c = classes; c < this.classesPadded; c++) ks[c] = -Infinity;
      this.softmax(this.scoresAt, this.scoresAt + this.classesPadded * 4);
      out.set(this.kernelProba, i * classes);
    }
  }

  /**
   * Each n-gram's share of the class's score (logit): its embedding row · the class's output column,
   * times its share of the text's total n-gram weight. Repeated n-grams are summed.
   */
  explain(text: string, classId: number, limit: number): Contribution[] {
    if (!Number.isInteger(classId) || classId < 0 || classId >= this.labels.length) {
      throw new RangeError(`class id ${classId} is outside [0, ${this.labels.length})`);
    }
    const { dim } = this.params;
    const { embedding, output, rowWeights } = this.weights;
    const rowFactors = this.rowFactors;
    // Entity-feature tokens (tokens-v2) are not n-grams of the text: their share is their class score.
    const mark = this.params.featureWeight > 0 ? text.indexOf(FEATURE_MARK) : -1;
    const described = this.featuriser.hasher.describe(mark < 0 ? text : text.slice(0, mark));
    const rows: number[] = [];
    const names: string[] = [];
    let weightSum = 0;
    for (const d of described) {
      const row = this.rowOfBucket[this.featuriser.bucketOf(d.id)]!;
      if (row >= 0) { rows.push(row); names.push(d.feature); weightSum += this.params.hiddenNorm === 1 ? rowWeights[row]! : rowWeights[row]! ** 2; }
    }
    if (this.params.hiddenNorm === 2) weightSum = Math.sqrt(weightSum);
    const byFeature = new Map<string, number>();
    const classes = this.labels.length;
    for (let k = 0; k < rows.length; k++) {
      const row = rows[k]! * dim;
      let s = 0;
      for (let j = 0; j < dim; j++) s += embedding[row + j]! * output[j * classes + classId]!;
      byFeature.set(names[k]!, (byFeature.get(names[k]!) ?? 0) + (s * rowFactors[rows[k]!]!) / weightSum);
    }
    if (mark >= 0) this.explainFeatures(text, classId, byFeature);
    return [...byFeature].map(([feature, weight]) => ({ feature, weight }))
      .sort((a, b) => b.weight - a.weight || (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0))
      .slice(0, Math.max(0, limit));
  }

  serialise(): { featuriser: Record<string, unknown>; params: Record<string, unknown>; sections: Array<[string, SectionArray]> } {
    const p = this.params;
    return {
      featuriser: { kind: 'ngram-buckets', wordNgrams: p.wordNgrams, charMin: p.charMin, charMax: p.charMax, maxTokens: p.maxTokens, buckets: p.buckets },
      params: { ...p },
      sections: [
        ['bucketIds', this.weights.bucketIds],
        ['rowWeights', this.weights.rowWeights],
        ['embedding', this.weights.embedding],
        ...(this.weights.rowScales === undefined ? [] : [['rowScales', this.weights.rowScales] as [string, SectionArray]]),
        ['output', this.weights.output],
        ...(this.weights.featureBucketIds === undefined || this.weights.featureLogits === undefined ? [] : [
          ['featureBucketIds', this.weights.featureBucketIds] as [string, SectionArray],
          ['featureLogits', this.weights.featureLogits] as [string, SectionArray],
        ]),
      ],
    };
  }

  /** Each known entity-feature token of `text` with its class score for classId. */
  private explainFeatures(text: string, classId: number, byFeature: Map<string, number>): void {
    const logits = this.weights.featureLogits;
    this.featuriser.featurise(text);
    const from = this.featuriser.textIdCount;
    const tokens = text.slice(text.indexOf(FEATURE_MARK) + 1).split(' ').filter((t) => t !== '');
    for (let k = 0; k < this.featuriser.featureCount; k++) {
      const r = this.featureRowOf.get(this.featuriser.ids[from + k]!);
      if (r !== undefined && logits !== undefined) byFeature.set(tokens[k]!, (byFeature.get(tokens[k]!) ?? 0) + logits[r * this.labels.length + classId]!);
    }
  }

  /** Adds the class scores of the last featurised text's known entity-feature values (feature-logits.ts). */
  private addFeatureScores(): void {
    const n = this.featuriser.featureCount;
    const logits = this.weights.featureLogits;
    if (n === 0 || logits === undefined) return;
    if (this.featureRowScratch.length < n) this.featureRowScratch = new Int32Array(n);
    const rows = this.featureRowScratch;
    const ids = this.featuriser.ids;
    const from = this.featuriser.textIdCount;
    let known = 0;
    for (let i = from; i < from + n; i++) {
      const r = this.featureRowOf.get(ids[i]!);
      if (r !== undefined) rows[known++] = r;
    }
    addFeatureLogits(this.kernelScores, logits, this.labels.length, rows, 0, known);
  }

  /** Writes the weighted mean of the text's known int8 rows into the kernel's hidden region. */
  private hiddenByGather(text: string): void {
    const rowWeights = this.weights.rowWeights;
    const rowFactors = this.rowFactors;
    const rowOfBucket = this.rowOfBucket;
    const l2 = this.params.hiddenNorm === 2;
    const count = this.featuriser.featurise(text);
    const ids = this.featuriser.ids;
    if (this.rowScratch.length < count) this.rowScratch = new Int32Array(ids.length);
    const rows = this.rowScratch;
    let known = 0;
    let weightSum = 0;
    for (let i = 0; i < this.featuriser.textIdCount; i++) {
      const r = rowOfBucket[ids[i]!]!;
      if (r < 0) continue;
      rows[known++] = r;
      const w = rowWeights[r]!;
      weightSum += l2 ? w * w : w;
    }
    this.kernelHidden.fill(0);
    if (known === 0 || !(weightSum > 0)) return;
    const inv = 1 / (l2 ? Math.sqrt(weightSum) : weightSum);
    const listRows = this.listRows;
    const listFactors = this.listFactors;
    for (let from = 0; from < known; from += LIST_CAPACITY) {
      const to = Math.min(known, from + LIST_CAPACITY);
      for (let k = from; k < to; k++) {
        const r = rows[k]!;
        const at = 2 * (k - from);
        listRows[at] = this.embAt + r * this.rowStride;
        listFactors[at + 1] = rowFactors[r]! * inv;
      }
      this.gather!(this.listAt, this.listAt + 8 * (to - from), this.hiddenAt, this.hiddenEnd);
    }
  }

  /** Fills this.hidden with the weighted mean embedding row of the text's known n-grams (zero if none). */
  private hiddenOf(text: string): void {
    const dim = this.params.dim;
    const hidden = this.hidden;
    const embedding = this.weights.embedding;
    const rowWeights = this.weights.rowWeights;
    const rowFactors = this.rowFactors;
    const rowOfBucket = this.rowOfBucket;
    const l2 = this.params.hiddenNorm === 2;
    hidden.fill(0);
    const count = this.featuriser.featurise(text);
    const ids = this.featuriser.ids;
    if (this.rowScratch.length < count) this.rowScratch = new Int32Array(this.featuriser.ids.length);
    const rows = this.rowScratch;
    // Rows are looked up first, so the CPU overlaps those cache misses (the bucket table is 8 MB).
    let known = 0;
    for (let i = 0; i < this.featuriser.textIdCount; i++) {
      const r = rowOfBucket[ids[i]!]!;
      if (r >= 0) rows[known++] = r;
    }
    let weightSum = 0;
    for (let k = 0; k < known; k++) {
      const r = rows[k]!;
      const w = rowWeights[r]!;
      weightSum += l2 ? w * w : w;
      const f = rowFactors[r]!;
      const row = r * dim;
      for (let j = 0; j < dim; j++) hidden[j] = hidden[j]! + f * embedding[row + j]!;
    }
    if (weightSum > 0) {
      const inv = 1 / (l2 ? Math.sqrt(weightSum) : weightSum);
      for (let j = 0; j < dim; j++) hidden[j] = hidden[j]! * inv;
    }
  }
}
