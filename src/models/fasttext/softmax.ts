/* The softmax of the output layer (the scores themselves come from simd-scores.ts). */

/** Turns scores[at .. at+classes) into probabilities in place. */
export function softmaxInPlace(scores: Float32Array | Float64Array, at: number, classes: number): void {
  const end = at + classes;
  let max = -Infinity;
  for (let c = at; c < end; c++) if (scores[c]! > max) max = scores[c]!;
  let sum = 0;
  for (let c = at; c < end; c++) {
    const e = expNonPositive(scores[c]! - max);
    scores[c] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let c = at; c < end; c++) scores[c] = scores[c]! * inv;
}

/** 2^n for n in [-1022, 0]. */
const POW2 = Float64Array.from({ length: 1023 }, (_, i) => 2 ** -i);
const LOG2E = 1.4426950408889634;
const LN2 = 0.6931471805599453;

/**
 * e^x for x <= 0, relative error below 1e-8 (far under float32 precision). Math.exp costs about
 * 11 ns here and a softmax over 800 classes calls it 800 times per text; this is 2^n (a table) times
 * a degree-7 Taylor polynomial of e^u for |u| <= ln2/2.
 */
export function expNonPositive(x: number): number {
  if (x < -700) return 0;
  const n = Math.round(x * LOG2E);
  const u = x - n * LN2;
  const p = 1 + u * (1 + u * (0.5 + u * (1 / 6 + u * (1 / 24 + u * (1 / 120 + u * (1 / 720 + u * (1 / 5040)))))));
  return p * POW2[-n]!;
}
