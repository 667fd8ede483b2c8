/**
 * Softmax of a[offset .. offset + n) in place, shifted by the row's maximum so exp never overflows.
 * Native deep kinds and imported ONNX graphs (logit outputs) both use it; it sits beside top-k, not
 * in deep/, so that onnx/ needs nothing from deep/ (deep/ builds on onnx/, never the reverse).
 */
export function softmaxInPlace(a: Float32Array, offset: number, n: number): void {
  let max = -Infinity;
  for (let c = 0; c < n; c++) if (a[offset + c]! > max) max = a[offset + c]!;
  let sum = 0;
  for (let c = 0; c < n; c++) { const e = Math.exp(a[offset + c]! - max); a[offset + c] = e; sum += e; }
  const inv = 1 / sum;
  for (let c = 0; c < n; c++) a[offset + c] = a[offset + c]! * inv;
}
