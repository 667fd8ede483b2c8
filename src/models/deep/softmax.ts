/** Softmax of a[offset .. offset + n) in place, shifted by the row's maximum so exp never overflows. */
export function softmaxInPlace(a: Float32Array, offset: number, n: number): void {
  let max = -Infinity;
  for (let c = 0; c < n; c++) if (a[offset + c]! > max) max = a[offset + c]!;
  let sum = 0;
  for (let c = 0; c < n; c++) { const e = Math.exp(a[offset + c]! - max); a[offset + c] = e; sum += e; }
  const inv = 1 / sum;
  for (let c = 0; c < n; c++) a[offset + c] = a[offset + c]! * inv;
}

/** Cross-entropy of one example: −log p[target], with p floored so a confident mistake stays finite. */
export function crossEntropy(proba: Float32Array, offset: number, target: number): number {
  return -Math.log(Math.max(proba[offset + target]!, 1e-30));
}

/** The dense layer that feeds the softmax (logits = W·x + b, W of [classes, width]) and its gradient buffers. */
export interface SoftmaxLayer {
  readonly classes: number;
  readonly width: number;
  readonly weight: Float32Array;
  readonly gradWeight: Float32Array;
  readonly gradBias: Float32Array;
}

/**
 * Backward pass of softmax cross-entropy through the output layer for one example: its
 * probabilities are proba[po .. po + classes) and its layer input x[xo .. xo + width). The logit
 * gradient (p − onehot) · classWeight · scale goes to the layer's gradients, and Wᵀ times it is
 * added to dx[dxo .. dxo + width). Non-target classes below `sparseBelow` get no gradient (their
 * share is negligible and skipping them makes the step proportional to the likely classes).
 * Returns the example's weighted loss.
 */
export function softmaxCrossEntropyBackward(layer: SoftmaxLayer, proba: Float32Array, po: number, target: number, classWeight: number, scale: number,
  sparseBelow: number, x: Float32Array, xo: number, dx: Float32Array, dxo: number): number {
  const { classes, width, weight, gradWeight, gradBias } = layer;
  for (let c = 0; c < classes; c++) {
    const p = proba[po + c]!;
    if (c !== target && p < sparseBelow) continue;
    const g = (p - (c === target ? 1 : 0)) * classWeight * scale;
    gradBias[c] = gradBias[c]! + g;
    const wo = c * width;
    for (let j = 0; j < width; j++) {
      gradWeight[wo + j] = gradWeight[wo + j]! + g * x[xo + j]!;
      dx[dxo + j] = dx[dxo + j]! + g * weight[wo + j]!;
    }
  }
  return crossEntropy(proba, po, target) * classWeight;
}
