import { upsampleStratified } from '../../core/upsample.js';
import type { AdamSettings } from './adam.js';

/**
 * The training rows with every class below minPerClass rows repeated up to it (as --upsample
 * does; 0 = as given), so a softmax over hundreds of skewed classes still sees the rare ones often
 * enough to learn them (macro-F1).
 */
export function oversampled(texts: readonly string[], y: Int32Array, minPerClass: number, seed: number): { texts: readonly string[]; y: Int32Array } {
  if (minPerClass === 0) return { texts, y };
  const rows = upsampleStratified(Int32Array.from({ length: texts.length }, (_, i) => i), y, { seed, minPerClass, targetFraction: 0 });
  return { texts: Array.from(rows, (i) => texts[i]!), y: Int32Array.from(rows, (i) => y[i]!) };
}

/** Adam settings for batch `step` of `totalSteps`: the rates fall linearly by the share `decay` over training. */
export function decayedAdam(a: AdamSettings, decay: number, step: number, totalSteps: number): AdamSettings {
  const factor = 1 - decay * Math.min(1, step / totalSteps);
  if (factor === 1) return a;
  return { ...a, lr: a.lr * factor, ...(a.embeddingLr === undefined ? {} : { embeddingLr: a.embeddingLr * factor }) };
}
