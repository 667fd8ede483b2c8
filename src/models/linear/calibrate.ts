/**
 * Temperature scaling: the one scalar T > 0 for which softmax(score × T) has the least log-loss on
 * held-out rows. The loss is convex in T (its second derivative is a variance), so a Newton
 * iteration kept inside a shrinking bracket finds it in a handful of passes.
 */
export const MIN_TEMPERATURE = 1e-3;
export const MAX_TEMPERATURE = 1e4;

/** scores[i * classes + c] are raw decision scores; y[i] the true class. Returns T (1 when there are no rows). */
export function fitTemperature(scores: Float32Array, y: Int32Array, classes: number): number {
  const n = y.length;
  if (n === 0 || classes < 2) return 1;
  let lo = MIN_TEMPERATURE;
  let hi = MAX_TEMPERATURE;
  if (lossSlope(scores, y, classes, hi)[0] < 0) return hi;
  if (lossSlope(scores, y, classes, lo)[0] > 0) return lo;
  let t = 1;
  for (let step = 0; step < 100; step++) {
    const [g, h] = lossSlope(scores, y, classes, t);
    if (g > 0) hi = t; else lo = t;
    let next = h > 0 ? t - g / h : Number.NaN;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - t) <= 1e-7 * t || hi - lo <= 1e-7 * lo) return next;
    t = next;
  }
  return t;
}

/** First and second derivative of the mean log-loss with respect to T. */
function lossSlope(scores: Float32Array, y: Int32Array, classes: number, t: number): [number, number] {
  let g = 0;
  let h = 0;
  for (let i = 0; i < y.length; i++) {
    const off = i * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) if (scores[off + c]! > max) max = scores[off + c]!;
    let z = 0;
    let m1 = 0;
    let m2 = 0;
    for (let c = 0; c < classes; c++) {
      const s = scores[off + c]! - max;
      const e = Math.exp(t * s);
      z += e; m1 += e * s; m2 += e * s * s;
    }
    const mean = m1 / z;
    g += mean - (scores[off + y[i]!]! - max);
    h += m2 / z - mean * mean;
  }
  return [g / y.length, h / y.length];
}
