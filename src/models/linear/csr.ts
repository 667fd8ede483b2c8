import type { LinearFeaturiser } from './featurise.js';

/** A sparse row-major matrix; its arrays sit on SharedArrayBuffers so worker threads read them without copies. */
export interface CsrMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

function sharedInt32(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(1, n) * 4), 0, n);
}

/** Featurises every text into one CSR matrix (rows in text order). */
export function buildCsr(texts: readonly string[], featuriser: LinearFeaturiser, signal?: AbortSignal): CsrMatrix {
  const indptr = sharedInt32(texts.length + 1);
  let indices = new Int32Array(1 << 20);
  let values = new Float32Array(1 << 20);
  let nnz = 0;
  for (let r = 0; r < texts.length; r++) {
    if ((r & 1023) === 0 && signal?.aborted) break;
    const n = featuriser.vectorise(texts[r]!, true);
    if (nnz + n > indices.length) {
      const size = Math.max(indices.length * 2, nnz + n);
      const i2 = new Int32Array(size); i2.set(indices.subarray(0, nnz)); indices = i2;
      const v2 = new Float32Array(size); v2.set(values.subarray(0, nnz)); values = v2;
    }
    indices.set(featuriser.cols.subarray(0, n), nnz);
    values.set(featuriser.vals.subarray(0, n), nnz);
    nnz += n;
    indptr[r + 1] = nnz;
  }
  const sharedIndices = sharedInt32(nnz);
  sharedIndices.set(indices.subarray(0, nnz));
  const sharedValues = new Float32Array(new SharedArrayBuffer(Math.max(1, nnz) * 4), 0, nnz);
  sharedValues.set(values.subarray(0, nnz));
  return { rows: texts.length, cols: featuriser.columns, indptr, indices: sharedIndices, values: sharedValues };
}
