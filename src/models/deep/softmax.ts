import { matmulAB, matmulAtB } from './matmul.js';

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
 * Backward pass of softmax cross-entropy through the output layer for `count` examples. Example k
 * has its probabilities in proba row rowOf[k] (row k when rowOf is null), its target targets[k],
 * its class weight weightOf(target) (1 when null), and its layer input in x row k; Wᵀ times its logit
 * gradient (p − onehot) · weight · scale is written to dx row k. The logit gradients go to
 * `dLogits` (count × classes; non-target classes below `sparseBelow` get 0), then the layer's
 * gradients take two dense products on the SIMD kernels: gradWeight += dLogitsᵀ · x and
 * dx = dLogits · W. With rowOf null, dLogits may be proba itself (overwritten in place). Returns
 * the summed weighted loss.
 */
export function softmaxCrossEntropyBackward(layer: SoftmaxLayer, proba: Float32Array, rowOf: Int32Array | null, count: number, targets: Int32Array,
  weightOf: Float32Array | null, scale: number, sparseBelow: number, x: Float32Array, dx: Float32Array, dLogits: Float32Array): number {
  const { classes, width, weight, gradWeight, gradBias } = layer;
  let loss = 0;
  for (let k = 0; k < count; k++) {
    const po = (rowOf === null ? k : rowOf[k]!) * classes;
    const target = targets[k]!;
    const cw = weightOf === null ? 1 : weightOf[target]!;
    const go = k * classes;
    loss += crossEntropy(proba, po, target) * cw;
    for (let c = 0; c < classes; c++) {
      const p = proba[po + c]!;
      if (c !== target && p < sparseBelow) { dLogits[go + c] = 0; continue; }
      const g = (p - (c === target ? 1 : 0)) * cw * scale;
      dLogits[go + c] = g;
      gradBias[c] = gradBias[c]! + g;
    }
  }
  matmulAtB(dLogits, x, count, classes, width, gradWeight, true);
  matmulAB(dLogits, weight, count, classes, width, dx, false);
  return loss;
}
