/**
 * Isotonic (non-decreasing) regression by pool-adjacent-violators, the calibration map NannyML's
 * CBPE uses: it assumes only that a higher score never means a lower chance of being right, which
 * holds for every model kind lading serves, and it needs no parametric shape (Platt's sigmoid does).
 *
 * Prediction follows scikit-learn's IsotonicRegression: constant inside a pooled block, linear
 * between the last point of one block and the first of the next, clipped at both ends.
 */
export interface IsotonicFit {
  /** Knot abscissae, strictly increasing. */
  readonly x: Float64Array;
  /** Knot values, non-decreasing. */
  readonly y: Float64Array;
}

export function fitIsotonic(xs: ArrayLike<number>, ys: ArrayLike<number>, weights?: ArrayLike<number>): IsotonicFit {
  const n = xs.length;
  if (ys.length !== n || (weights && weights.length !== n)) throw new RangeError(`fitIsotonic: ${n} x values, ${ys.length} y values${weights ? `, ${weights.length} weights` : ''}`);
  if (n === 0) throw new RangeError('fitIsotonic: no points');
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => xs[a]! - xs[b]!);

  // Blocks on a stack: weighted sum of y, total weight, first and last x. Equal x values start as
  // one block (their mean), as in scikit-learn, so the fit is a function of x.
  const sum = new Float64Array(n), weight = new Float64Array(n), lo = new Float64Array(n), hi = new Float64Array(n);
  let top = -1;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const x = xs[i]!, w = weights ? weights[i]! : 1, y = ys[i]!;
    if (!(w > 0)) continue;
    if (top >= 0 && hi[top] === x) {
      sum[top]! += w * y;
      weight[top]! += w;
    } else {
      top++;
      sum[top] = w * y; weight[top] = w; lo[top] = x; hi[top] = x;
    }
    // Pool while the previous block's mean exceeds this one's (a violation of monotonicity).
    while (top > 0 && sum[top - 1]! / weight[top - 1]! > sum[top]! / weight[top]!) {
      sum[top - 1]! += sum[top]!;
      weight[top - 1]! += weight[top]!;
      hi[top - 1] = hi[top]!;
      top--;
    }
  }
  if (top < 0) throw new RangeError('fitIsotonic: every weight is zero');
  const kx: number[] = [], ky: number[] = [];
  for (let b = 0; b <= top; b++) {
    const v = sum[b]! / weight[b]!;
    kx.push(lo[b]!); ky.push(v);
    if (hi[b]! > lo[b]!) { kx.push(hi[b]!); ky.push(v); }
  }
  return { x: Float64Array.from(kx), y: Float64Array.from(ky) };
}

/** The fitted value at `v`: clipped to the first / last knot outside the fitted range. */
export function predictIsotonic(fit: IsotonicFit, v: number): number {
  const { x, y } = fit;
  const last = x.length - 1;
  if (v <= x[0]!) return y[0]!;
  if (v >= x[last]!) return y[last]!;
  // Largest knot index with x <= v.
  let a = 0, b = last;
  while (b - a > 1) {
    const m = (a + b) >> 1;
    if (x[m]! <= v) a = m; else b = m;
  }
  const x0 = x[a]!, x1 = x[b]!;
  return y[a]! + ((y[b]! - y[a]!) * (v - x0)) / (x1 - x0);
}
