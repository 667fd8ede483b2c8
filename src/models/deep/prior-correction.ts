/**
 * Post-hoc logit adjustment (Menon et al., "Long-tail learning via logit adjustment", 2021): a
 * softmax trained on skewed classes leans towards the frequent ones, so serving subtracts
 * τ·log(prior) from the logits, i.e. from the output bias, where it costs nothing at inference.
 * The prior is the training split's class frequency (add-one smoothed, so a class with no
 * training row gets a finite correction). τ = 0 leaves the bias as trained.
 */
export function priorCorrectedBias(bias: Float32Array, y: Int32Array, tau: number): Float32Array {
  if (tau === 0) return bias;
  const classes = bias.length;
  const counts = new Float64Array(classes);
  for (let i = 0; i < y.length; i++) counts[y[i]!]!++;
  const total = y.length + classes;
  return Float32Array.from(bias, (b, c) => b - tau * Math.log((counts[c]! + 1) / total));
}
