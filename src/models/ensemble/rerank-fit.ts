/**
 * Fits the re-ranker: a linear score w·x per candidate, softmax over each text's candidates,
 * multinomial log-loss with a small ridge, minimised by Newton's method (the features are few, so
 * the Hessian is tiny; convex, so a damped Newton step converges in a handful of iterations, and it
 * is a fixed sequence of float64 sums, so the same data gives the same weights on every run).
 */
export interface RerankExamples {
  readonly features: number;
  /** Candidates of text i are rows start[i] .. start[i + 1] of x. */
  readonly start: Int32Array;
  readonly x: Float64Array;
  /** The true label's candidate slot within the text, or -1 when it is not among the candidates. */
  readonly positive: Int32Array;
}

export interface RerankFit {
  readonly weights: Float64Array;
  readonly iterations: number;
  readonly loss: number;
}

export function fitRerank(ex: RerankExamples, l2: number, maxIterations = 25): RerankFit {
  const F = ex.features;
  const scale = featureScale(ex);
  let w = new Float64Array(F);
  let { loss, grad, hess } = evaluate(ex, scale, w, l2, true);
  let it = 0;
  for (; it < maxIterations; it++) {
    let gmax = 0;
    for (const g of grad) gmax = Math.max(gmax, Math.abs(g));
    if (gmax < 1e-7) break;
    const step = solve(hess!, grad, F);
    let t = 1;
    let accepted = false;
    for (let tries = 0; tries < 20; tries++, t /= 2) {
      const next = Float64Array.from(w, (v, j) => v - t * step[j]!);
      const e = evaluate(ex, scale, next, l2, false);
      if (e.loss <= loss) { w = next; accepted = true; break; }
    }
    if (!accepted) break;
    const e = evaluate(ex, scale, w, l2, true);
    const improved = loss - e.loss;
    ({ loss, grad, hess } = e);
    if (improved < 1e-10) { it++; break; }
  }
  return { weights: Float64Array.from(w, (v, j) => v * scale[j]!), iterations: it, loss };
}

/** 1 / standard deviation of each feature over all candidates (0 for a constant feature: it cannot rank). */
function featureScale(ex: RerankExamples): Float64Array {
  const F = ex.features;
  const rows = ex.x.length / F;
  const mean = new Float64Array(F);
  const sq = new Float64Array(F);
  for (let r = 0; r < rows; r++) for (let j = 0; j < F; j++) { const v = ex.x[r * F + j]!; mean[j]! += v; sq[j]! += v * v; }
  return Float64Array.from(mean, (m, j) => {
    const variance = sq[j]! / rows - (m / rows) ** 2;
    return variance > 1e-12 ? 1 / Math.sqrt(variance) : 0;
  });
}

function evaluate(ex: RerankExamples, scale: Float64Array, w: Float64Array, l2: number, derivatives: boolean): { loss: number; grad: Float64Array; hess: Float64Array | undefined } {
  const F = ex.features;
  const texts = ex.positive.length;
  const grad = new Float64Array(F);
  const hess = derivatives ? new Float64Array(F * F) : undefined;
  const mean = new Float64Array(F);
  const z = new Float64Array(F);
  let loss = 0;
  let used = 0;
  for (let i = 0; i < texts; i++) {
    const pos = ex.positive[i]!;
    if (pos < 0) continue;
    used++;
    const from = ex.start[i]!;
    const n = ex.start[i + 1]! - from;
    const scores = new Float64Array(n);
    let max = -Infinity;
    for (let s = 0; s < n; s++) {
      let v = 0;
      for (let j = 0; j < F; j++) v += w[j]! * scale[j]! * ex.x[(from + s) * F + j]!;
      scores[s] = v;
      if (v > max) max = v;
    }
    let sum = 0;
    for (let s = 0; s < n; s++) { scores[s] = Math.exp(scores[s]! - max); sum += scores[s]!; }
    loss -= Math.log(scores[pos]! / sum);
    if (!derivatives) continue;
    mean.fill(0);
    for (let s = 0; s < n; s++) {
      const p = scores[s]! / sum;
      for (let j = 0; j < F; j++) z[j] = scale[j]! * ex.x[(from + s) * F + j]!;
      for (let j = 0; j < F; j++) {
        mean[j]! += p * z[j]!;
        const pz = p * z[j]!;
        if (pz !== 0) for (let k = 0; k <= j; k++) hess![j * F + k]! += pz * z[k]!;
      }
    }
    for (let j = 0; j < F; j++) {
      grad[j]! += mean[j]! - scale[j]! * ex.x[(from + pos) * F + j]!;
      for (let k = 0; k <= j; k++) hess![j * F + k]! -= mean[j]! * mean[k]!;
    }
  }
  const inv = used > 0 ? 1 / used : 0;
  let penalty = 0;
  for (let j = 0; j < F; j++) {
    penalty += w[j]! * w[j]!;
    grad[j] = grad[j]! * inv + l2 * w[j]!;
  }
  if (hess) {
    for (let j = 0; j < F; j++) {
      for (let k = 0; k <= j; k++) {
        const v = hess[j * F + k]! * inv + (j === k ? l2 : 0);
        hess[j * F + k] = v;
        hess[k * F + j] = v;
      }
    }
  }
  return { loss: loss * inv + 0.5 * l2 * penalty, grad, hess };
}

/** Solves H d = g by Cholesky (H is positive definite: a covariance plus the ridge). */
function solve(h: Float64Array, g: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = h[i * n + j]!;
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      L[i * n + j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / L[j * n + j]!;
    }
  }
  const tmp = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = g[i]!;
    for (let k = 0; k < i; k++) s -= L[i * n + k]! * tmp[k]!;
    tmp[i] = s / L[i * n + i]!;
  }
  const d = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = tmp[i]!;
    for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * d[k]!;
    d[i] = s / L[i * n + i]!;
  }
  return d;
}

/**
 * The softmax temperature that minimises the log-loss of the true candidate on held-out texts
 * (golden-section search over log T in [1/8, 8]); texts whose truth is no candidate do not depend on T.
 */
export function fitTemperature(ex: RerankExamples, weights: Float64Array): number {
  const F = ex.features;
  const texts = ex.positive.length;
  const raw: number[] = [];
  const starts: number[] = [];
  const positives: number[] = [];
  for (let i = 0; i < texts; i++) {
    if (ex.positive[i]! < 0) continue;
    starts.push(raw.length);
    positives.push(raw.length + ex.positive[i]!);
    for (let r = ex.start[i]!; r < ex.start[i + 1]!; r++) {
      let v = 0;
      for (let j = 0; j < F; j++) v += weights[j]! * ex.x[r * F + j]!;
      raw.push(v);
    }
  }
  starts.push(raw.length);
  if (positives.length === 0) return 1;
  const lossAt = (logT: number): number => {
    const inv = Math.exp(-logT);
    let loss = 0;
    for (let i = 0; i < positives.length; i++) {
      let max = -Infinity;
      for (let r = starts[i]!; r < starts[i + 1]!; r++) max = Math.max(max, raw[r]! * inv);
      let sum = 0;
      for (let r = starts[i]!; r < starts[i + 1]!; r++) sum += Math.exp(raw[r]! * inv - max);
      loss -= raw[positives[i]!]! * inv - max - Math.log(sum);
    }
    return loss;
  };
  let lo = Math.log(1 / 8);
  let hi = Math.log(8);
  const phi = (Math.sqrt(5) - 1) / 2;
  let a = hi - phi * (hi - lo);
  let b = lo + phi * (hi - lo);
  let fa = lossAt(a);
  let fb = lossAt(b);
  for (let it = 0; it < 40; it++) {
    if (fa <= fb) { hi = b; b = a; fb = fa; a = hi - phi * (hi - lo); fa = lossAt(a); }
    else { lo = a; a = b; fa = fb; b = lo + phi * (hi - lo); fb = lossAt(b); }
  }
  return Math.exp((lo + hi) / 2);
}
