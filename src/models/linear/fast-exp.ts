/**
 * exp(x) for x <= 0, for the softmax: Math.exp is a call into the runtime per class (815+ per
 * text); this inlines to a few multiplies. Range reduction x = k·ln2 + r with |r| <= ln2/2, then
 * a degree-8 Taylor polynomial for e^r (relative error < 1e-9, far below the float32 output's
 * resolution) times 2^k from a table. Below -700 it returns 0 (e^-700 ≈ 1e-304; a float32
 * probability is 0 far earlier).
 */
const LOG2E = 1.4426950408889634;
const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
const MIN_K = -1100;
const POW2 = new Float64Array(-MIN_K + 1);
for (let k = 0; k <= -MIN_K; k++) POW2[k] = 2 ** (k + MIN_K);

export function expNonPositive(x: number): number {
  if (!(x > -700)) return 0;
  const k = Math.round(x * LOG2E);
  const r = (x - k * LN2_HI) - k * LN2_LO;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (1 / 5040 + r * (1 / 40320))))))));
  return p * POW2[k - MIN_K]!;
}
