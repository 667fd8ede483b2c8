import { axpyRowsKernel, type AxpyRowsKernel } from '../simd/axpy-rows.js';
import { roundUp4 } from '../simd/wasm-bytes.js';
import type { InvertedWeights } from './inverted-weights.js';

/**
 * Prediction-time layout of the weights. Common n-grams (short char grams) carry weights for a
 * large share of the classes, and a text's scores are mostly the sum of those lists: a scatter of
 * tens of thousands of (class, weight) pairs per text. Columns whose list covers at least
 * `denseFraction` of the classes are stored instead as dense f32 rows and summed with a
 * WebAssembly SIMD kernel; the rest stay as short sparse lists. Built from the inverted weights
 * when a model is constructed (the artifact format does not change).
 */
export interface HybridOptions {
  /** A column is dense when its list holds at least this fraction of the classes. */
  readonly denseFraction: number;
  /** Upper bound on the dense block's bytes; the longest lists are made dense first. */
  readonly maxDenseBytes: number;
}

export const HYBRID_DEFAULTS: HybridOptions = { denseFraction: 1 / 16, maxDenseBytes: 192 * 1024 * 1024 };

/** Dense rows handed to the kernel per call (bounds the index scratch). */
const CHUNK = 256;

export class HybridScorer {
  readonly classes: number;
  readonly denseColumns: number;
  /** The scores of the last call (a view into the kernel's memory; padded lanes unused). */
  readonly scores: Float32Array;
  private readonly kernel: AxpyRowsKernel;
  private readonly classesPadded: number;
  private readonly denseRow: Int32Array;
  private readonly sparseIndptr: Uint32Array;
  private readonly sparseClass: Uint16Array | Int32Array;
  private readonly sparseWeight: Float32Array;
  private readonly bias: Float32Array;
  private readonly rows: Int32Array;
  private readonly vals: Float32Array;
  private readonly scoresAt = 0;
  private readonly rowsAt: number;
  private readonly valsAt: number;
  private readonly weightsAt: number;

  constructor(w: InvertedWeights, classes: number, o: HybridOptions = HYBRID_DEFAULTS) {
    const columns = w.indptr.length - 1;
    this.classes = classes;
    const cp = roundUp4(classes);
    this.classesPadded = cp;
    const threshold = denseThreshold(w.indptr, classes, cp, o);
    const denseRow = new Int32Array(columns).fill(-1);
    let dense = 0;
    let sparseEntries = 0;
    for (let f = 0; f < columns; f++) {
      const len = w.indptr[f + 1]! - w.indptr[f]!;
      if (len > 0 && len >= threshold) denseRow[f] = dense++;
      else sparseEntries += len;
    }
    this.denseRow = denseRow;
    this.denseColumns = dense;
    this.rowsAt = cp * 4;
    this.valsAt = this.rowsAt + CHUNK * 4;
    this.weightsAt = this.valsAt + CHUNK * 4;
    this.kernel = axpyRowsKernel(this.weightsAt + Math.max(1, dense) * cp * 4);
    const buffer = this.kernel.memory.buffer;
    this.scores = new Float32Array(buffer, this.scoresAt, cp);
    this.rows = new Int32Array(buffer, this.rowsAt, CHUNK);
    this.vals = new Float32Array(buffer, this.valsAt, CHUNK);
    const matrix = new Float32Array(buffer, this.weightsAt, dense * cp);
    const sparseIndptr = new Uint32Array(columns + 1);
    const sparseClass = classes <= 0x10000 ? new Uint16Array(sparseEntries) : new Int32Array(sparseEntries);
    const sparseWeight = new Float32Array(sparseEntries);
    let at = 0;
    for (let f = 0; f < columns; f++) {
      const from = w.indptr[f]!;
      const to = w.indptr[f + 1]!;
      const d = denseRow[f]!;
      if (d >= 0) {
        const base = d * cp;
        for (let j = from; j < to; j++) matrix[base + w.classIds[j]!] = w.weights[j]!;
      } else {
        for (let j = from; j < to; j++) { sparseClass[at] = w.classIds[j]!; sparseWeight[at] = w.weights[j]!; at++; }
      }
      sparseIndptr[f + 1] = at;
    }
    this.sparseIndptr = sparseIndptr;
    this.sparseClass = sparseClass;
    this.sparseWeight = sparseWeight;
    this.bias = w.bias;
  }

  /** scores[c] = bias[c] + Σ_k vals[k] × weight(cols[k], c) for c < classes. */
  score(cols: Int32Array, vals: Float32Array, n: number): Float32Array {
    const { scores, denseRow, sparseIndptr, sparseClass, sparseWeight, rows } = this;
    const dv = this.vals;
    scores.set(this.bias);
    let m = 0;
    for (let k = 0; k < n; k++) {
      const col = cols[k]!;
      const v = vals[k]!;
      const d = denseRow[col]!;
      if (d >= 0) {
        rows[m] = d; dv[m] = v; m++;
        if (m === CHUNK) { this.flush(m); m = 0; }
        continue;
      }
      const end = sparseIndptr[col + 1]!;
      for (let j = sparseIndptr[col]!; j < end; j++) { const c = sparseClass[j]!; scores[c] = scores[c]! + v * sparseWeight[j]!; }
    }
    if (m > 0) {
      // Pad to whole groups of four with zero-valued copies of a real row.
      while ((m & 3) !== 0) { rows[m] = rows[0]!; dv[m] = 0; m++; }
      this.flush(m);
    }
    return scores;
  }

  /**
   * Softmax of the last scores at temperature t into out[off..off+classes) (float32 exp in the
   * SIMD kernel: the softmax over hundreds of classes otherwise costs as much as the scoring).
   */
  softmaxInto(t: number, out: Float32Array, off: number): void {
    const { scores, classes } = this;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) if (scores[c]! > max) max = scores[c]!;
    // Padding lanes: far below max so their exp is 0.
    for (let c = classes; c < this.classesPadded; c++) scores[c] = -3e38;
    const inv = 1 / this.kernel.expShifted(this.scoresAt, this.classesPadded, max, t);
    for (let c = 0; c < classes; c++) out[off + c] = scores[c]! * inv;
  }

  private flush(m: number): void {
    this.kernel.axpyRows(this.weightsAt, this.rowsAt, this.valsAt, m, this.scoresAt, this.classesPadded);
  }
}

/** The smallest list length at or above denseFraction × classes whose dense rows fit the byte budget. */
function denseThreshold(indptr: Uint32Array, classes: number, cp: number, o: HybridOptions): number {
  const counts = new Int32Array(classes + 2);
  for (let f = 0; f + 1 < indptr.length; f++) counts[Math.min(classes + 1, indptr[f + 1]! - indptr[f]!)]!++;
  const maxRows = Math.floor(o.maxDenseBytes / (cp * 4));
  let threshold = Math.max(1, Math.ceil(o.denseFraction * classes));
  let rows = 0;
  for (let len = classes + 1; len >= 1; len--) {
    if (rows + counts[len]! > maxRows) return Math.max(threshold, len + 1);
    rows += counts[len]!;
  }
  return threshold;
}
