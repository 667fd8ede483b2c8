import type { Top1Calibration } from '../core/confidence-meta.js';
import { top1Features, topTwo } from '../models/top1-calibration.js';

/** A touch of ridge keeps Newton's steps finite when validation rows are all right or all wrong. */
const RIDGE = 1e-4;
const MAX_STEPS = 50;

/**
 * Fits the top-label calibration on validation probabilities: a weighted logistic regression of
 * "the top-1 class is the true one" on ln(p1/p2) and ln(p1/(1−p1)). A feature whose coefficient
 * comes out negative would make a surer-looking text less trusted, which only noise can teach;
 * it is dropped and the other refitted. Returns undefined when there is nothing to fit (no rows,
 * or neither feature helps), so the model serves its probabilities unchanged.
 */
export function fitTop1Calibration(proba: Float32Array, y: Int32Array, classes: number, weights?: Float64Array): Top1Calibration | undefined {
  const n = y.length;
  if (n === 0 || classes < 2) return undefined;
  const features = new Float64Array(n * 2);
  const right = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    const { top, p1, p2 } = topTwo(proba, r * classes, classes);
    const [margin, logit] = top1Features(p1, p2);
    features[2 * r] = margin;
    features[2 * r + 1] = logit;
    right[r] = top === y[r] ? 1 : 0;
  }
  let use = [true, true];
  for (let attempt = 0; attempt < 3; attempt++) {
    const beta = logisticNewton(features, right, weights, use);
    const negative = [beta[1]! < 0, beta[2]! < 0];
    if (!negative[0] && !negative[1]) {
      if (beta[1] === 0 && beta[2] === 0) return undefined;
      return { method: 'top1-logistic', intercept: beta[0]!, logMargin: beta[1]!, logitTop1: beta[2]!, fittedOn: 'validation', rows: n };
    }
    use = [use[0]! && !negative[0], use[1]! && !negative[1]];
    if (!use[0] && !use[1]) return undefined;
  }
  return undefined;
}

/** [intercept, logMargin, logitTop1] by Newton's method on the weighted log-loss; unused features stay 0. */
function logisticNewton(x: Float64Array, right: Uint8Array, weights: Float64Array | undefined, use: readonly boolean[]): Float64Array {
  const n = right.length;
  const beta = new Float64Array(3);
  const active = [0, ...[1, 2].filter((j) => use[j - 1])];
  const d = active.length;
  for (let step = 0; step < MAX_STEPS; step++) {
    const grad = new Float64Array(d);
    const hess = new Float64Array(d * d);
    for (let r = 0; r < n; r++) {
      const xr = [1, x[2 * r]!, x[2 * r + 1]!];
      const z = beta[0]! + beta[1]! * xr[1]! + beta[2]! * xr[2]!;
      const p = 1 / (1 + Math.exp(-z));
      const w = weights ? weights[r]! : 1;
      for (let a = 0; a < d; a++) {
        const xa = xr[active[a]!]!;
        grad[a] = grad[a]! + w * (p - right[r]!) * xa;
        for (let b = 0; b < d; b++) hess[a * d + b] = hess[a * d + b]! + w * p * (1 - p) * xa * xr[active[b]!]!;
      }
    }
    for (let a = 1; a < d; a++) { grad[a] = grad[a]! + RIDGE * beta[active[a]!]!; hess[a * d + a] = hess[a * d + a]! + RIDGE; }
    hess[0] = hess[0]! + 1e-12;
    const delta = solve(hess, grad, d);
    let largest = 0;
    for (let a = 0; a < d; a++) {
      beta[active[a]!] = beta[active[a]!]! - delta[a]!;
      largest = Math.max(largest, Math.abs(delta[a]!));
    }
    if (!(largest > 1e-10)) break;
  }
  return beta;
}

/** Solves the d × d system (d ≤ 3) by Gaussian elimination with partial pivoting. */
function solve(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const m = Array.from({ length: d }, (_, i) => [...a.subarray(i * d, i * d + d), b[i]!]);
  for (let c = 0; c < d; c++) {
    let pivot = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    const head = m[c]![c]!;
    if (head === 0) return new Float64Array(d);
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / head;
      for (let k = c; k <= d; k++) m[r]![k] = m[r]![k]! - f * m[c]![k]!;
    }
  }
  return Float64Array.from(m, (row, i) => row[d]! / row[i]!);
}
