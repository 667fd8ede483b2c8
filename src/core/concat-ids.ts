/** Row ids `a` then `b` in one array (a fit's rows followed by the rows every fit also learns from). */
export function concatIds(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
