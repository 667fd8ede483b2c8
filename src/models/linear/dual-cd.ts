import type { CsrMatrix } from './csr.js';

/**
 * liblinear's dual coordinate descent for one binary (one-vs-rest) problem, with the bias as an
 * extra constant feature of value 1 (regularised, as liblinear and scikit-learn do):
 *  - 'svm': L2-regularised squared hinge (solver 1, L2R_L2LOSS_SVC_DUAL) with shrinking;
 *  - 'logistic': L2-regularised logistic regression (solver 7, L2R_LR_DUAL), Newton per coordinate.
 * One solver per thread: it owns w and the per-example scratch and reuses them for every class.
 * The visiting order comes from a seeded generator per class, so the result for a class does not
 * depend on which thread solved it or what it solved before.
 */
export interface BinarySolution {
  /** Dense weights over the columns (owned by the solver; valid until the next solve). */
  readonly w: Float64Array;
  readonly bias: number;
  readonly iterations: number;
  /** Rows visited (a dot product each): the solver's work, for tuning. */
  readonly visits: number;
}

export interface DualCdSettings {
  readonly loss: 'svm' | 'logistic';
  readonly C: number;
  /** Per-class multiplier of C (scikit-learn's class_weight: applies to a class's examples in every binary problem); absent = 1. */
  readonly classWeights?: Float64Array | undefined;
  readonly tol: number;
  readonly maxIter: number;
}

export class DualCdSolver {
  readonly w: Float64Array;
  private readonly x: CsrMatrix;
  private readonly y: Int32Array;
  private readonly s: DualCdSettings;
  /** x_i · x_i + 1 (the bias feature). */
  private readonly xSquared: Float64Array;
  private readonly alpha: Float64Array;
  private readonly sign: Float64Array;
  /** C of each example (C × its class's weight). */
  private readonly cost: Float64Array;
  private readonly index: Int32Array;
  private rngState = 1;

  constructor(x: CsrMatrix, y: Int32Array, settings: DualCdSettings) {
    this.x = x;
    this.y = y;
    this.s = settings;
    this.w = new Float64Array(x.cols);
    const l = x.rows;
    this.xSquared = new Float64Array(l);
    const { indptr, values } = x;
    for (let i = 0; i < l; i++) {
      let sq = 1;
      for (let k = indptr[i]!; k < indptr[i + 1]!; k++) sq += values[k]! * values[k]!;
      this.xSquared[i] = sq;
    }
    this.alpha = new Float64Array(settings.loss === 'logistic' ? 2 * l : l);
    this.sign = new Float64Array(l);
    this.index = new Int32Array(l);
    this.cost = new Float64Array(l);
    const cw = settings.classWeights;
    for (let i = 0; i < l; i++) this.cost[i] = settings.C * (cw ? cw[y[i]!] ?? 1 : 1);
  }

  /** Solves class `cls` against the rest; `seed` fixes the visiting order. */
  solve(cls: number, seed: number): BinarySolution {
    this.w.fill(0);
    const { y, sign } = this;
    for (let i = 0; i < sign.length; i++) sign[i] = y[i] === cls ? 1 : -1;
    this.rngState = (seed | 0) === 0 ? 0x6d2b79f5 : seed | 0;
    return this.s.loss === 'logistic' ? this.solveLogistic() : this.solveSquaredHinge();
  }

  /** Uniform integer in [0, n) from xorshift32 (modulo bias is irrelevant for shuffling). */
  private nextInt(n: number): number {
    let r = this.rngState;
    r ^= r << 13; r ^= r >>> 17; r ^= r << 5;
    this.rngState = r;
    return (r >>> 0) % n;
  }

  private shuffle(active: number): void {
    const index = this.index;
    for (let i = 0; i < active; i++) {
      const j = i + this.nextInt(active - i);
      const t = index[i]!; index[i] = index[j]!; index[j] = t;
    }
  }

  private solveSquaredHinge(): BinarySolution {
    const { w, alpha, sign, index, xSquared } = this;
    const { indptr, indices, values } = this.x;
    const l = this.x.rows;
    const cost = this.cost;
    const eps = this.s.tol;
    let bias = 0;
    alpha.fill(0);
    for (let i = 0; i < l; i++) index[i] = i;
    let active = l;
    let pgMaxOld = Infinity;
    let iter = 0;
    let visits = 0;
    while (iter < this.s.maxIter) {
      let pgMaxNew = -Infinity;
      let pgMinNew = Infinity;
      const fullPass = active === l;
      this.shuffle(active);
      visits += active;
      for (let s = 0; s < active; s++) {
        const i = index[s]!;
        const yi = sign[i]!;
        const from = indptr[i]!;
        const to = indptr[i + 1]!;
        let dot = bias;
        for (let k = from; k < to; k++) dot += w[indices[k]!]! * values[k]!;
        const a = alpha[i]!;
        const diag = 0.5 / cost[i]!;
        const g = dot * yi - 1 + a * diag;
        let pg = 0;
        if (a === 0) {
          if (g > pgMaxOld) {
            // Shrink: at the bound and unlikely to move; revisited when the active set converges.
            active--;
            index[s] = index[active]!; index[active] = i;
            s--;
            continue;
          }
          if (g < 0) pg = g;
        } else {
          pg = g;
        }
        if (pg > pgMaxNew) pgMaxNew = pg;
        if (pg < pgMinNew) pgMinNew = pg;
        if (pg > 1e-12 || pg < -1e-12) {
          const next = Math.max(a - g / (xSquared[i]! + diag), 0);
          alpha[i] = next;
          const d = (next - a) * yi;
          for (let k = from; k < to; k++) { const j = indices[k]!; w[j] = w[j]! + d * values[k]!; }
          bias += d;
        }
      }
      iter++;
      if (pgMaxNew - pgMinNew <= eps) {
        // Converged on every example (a shrunk one has alpha 0 and g > 0, so it cannot violate).
        if (fullPass) break;
        // Check all examples again; unlike liblinear keep the bound, so this pass shrinks too.
        active = l;
        continue;
      }
      // liblinear resets a non-positive bound to +inf (no shrinking next pass); a bound of 0 instead
      // drops every example already outside the margin, which in one-vs-rest is most negatives
      // after the first pass. The final full pass still checks them, so the solution is the same
      // up to the tolerance.
      pgMaxOld = pgMaxNew <= 0 ? 0 : pgMaxNew;
    }
    return { w, bias, iterations: iter, visits };
  }

  private solveLogistic(): BinarySolution {
    const { w, alpha, sign, index, xSquared } = this;
    const { indptr, indices, values } = this.x;
    const l = this.x.rows;
    const cost = this.cost;
    const eps = this.s.tol;
    const maxInner = 100;
    let innerEps = 1e-2;
    const innerEpsMin = Math.min(1e-8, eps);
    let bias = 0;
    for (let i = 0; i < l; i++) {
      const C = cost[i]!;
      const start = Math.min(0.001 * C, 1e-8);
      alpha[2 * i] = start;
      alpha[2 * i + 1] = C - start;
      index[i] = i;
      const d = sign[i]! * start;
      for (let k = indptr[i]!; k < indptr[i + 1]!; k++) { const j = indices[k]!; w[j] = w[j]! + d * values[k]!; }
      bias += d;
    }
    let iter = 0;
    while (iter < this.s.maxIter) {
      this.shuffle(l);
      let newtonIter = 0;
      let gMax = 0;
      for (let s = 0; s < l; s++) {
        const i = index[s]!;
        const yi = sign[i]!;
        const from = indptr[i]!;
        const to = indptr[i + 1]!;
        let dot = bias;
        for (let k = from; k < to; k++) dot += w[indices[k]!]! * values[k]!;
        const a = xSquared[i]!;
        const b = yi * dot;
        const C = cost[i]!;
        // Minimise over alpha_i or its complement C - alpha_i, whichever keeps z away from C.
        let ind1 = 2 * i;
        let ind2 = 2 * i + 1;
        let sgn = 1;
        if (0.5 * a * (alpha[ind2]! - alpha[ind1]!) + b < 0) { ind1 = 2 * i + 1; ind2 = 2 * i; sgn = -1; }
        const old = alpha[ind1]!;
        let z = old;
        if (C - z < 0.5 * C) z = 0.1 * z;
        let gp = a * (z - old) + sgn * b + Math.log(z / (C - z));
        gMax = Math.max(gMax, Math.abs(gp));
        let inner = 0;
        while (inner <= maxInner) {
          if (Math.abs(gp) < innerEps) break;
          const gpp = a + C / (C - z) / z;
          const tmp = z - gp / gpp;
          z = tmp <= 0 ? z * 0.1 : tmp;
          gp = a * (z - old) + sgn * b + Math.log(z / (C - z));
          newtonIter++;
          inner++;
        }
        if (inner > 0) {
          alpha[ind1] = z;
          alpha[ind2] = C - z;
          const d = sgn * (z - old) * yi;
          for (let k = from; k < to; k++) { const j = indices[k]!; w[j] = w[j]! + d * values[k]!; }
          bias += d;
        }
      }
      iter++;
      if (gMax < eps) break;
      if (newtonIter <= l / 10) innerEps = Math.max(innerEpsMin, 0.1 * innerEps);
    }
    return { w, bias, iterations: iter, visits: iter * l };
  }
}
