import { deriveSeed } from '../core/random.js';
import type { Classifier } from '../models/classifier.js';
import { referenceRowsOf, secondFitRows, type RefitInput } from './refit.js';
import { reviewTwinsByFold } from './review-twins.js';

/** The refit's input (kind, rows, labels, options, the first fit's choices) plus the folds to score. */
export interface CrossFitInput extends RefitInput {
  /** Every row's model input (all rows of the run); `scored` and `alwaysTrain` index it. */
  readonly texts: readonly string[];
  /** The rows to score out of fold (the training side), and the fold of each (same order, in [0, folds)). */
  readonly scored: Int32Array;
  readonly foldOf: Int32Array;
  readonly folds: number;
  /**
   * Rows every fold model learns from and none scores (the validation side: its scores come from
   * the validated fit). They make each fold model nearer in size to the model that is served.
   */
  readonly alwaysTrain: Int32Array;
  /**
   * 1 for each reviewed row (an answer to a text a model routed to review; indexes `texts`). A
   * fold model does not learn from a reviewed row that is a twin of a traffic row the fold scores
   * (review-twins.ts).
   */
  readonly reviewed?: Uint8Array | undefined;
}

/**
 * Out-of-fold probabilities (scored.length × classes, uncalibrated) for the decide-or-route
 * thresholds: fold f's rows are scored by a model of the same kind fitted on every other row
 * (the other folds and `alwaysTrain`), so no row is scored by a model that saw it or a copy of its
 * text (folds group normalised texts). Fold models fix the first fit's held-out choices, as the
 * refit does (refit.ts), so they need no validation rows of their own; each gets its own seed and
 * is dropped once it has scored its fold. Progress phases read "decision fold f/N <phase>".
 */
export async function crossFitScores(c: CrossFitInput): Promise<Float32Array> {
  const classes = c.labels.length;
  const out = new Float32Array(c.scored.length * classes);
  const { onProgress } = c.options;
  const twins = c.reviewed && c.reviewed.includes(1) ? reviewTwinsByFold(c.texts, c.reviewed, c.scored, c.foldOf, c.folds) : undefined;
  for (let f = 0; f < c.folds; f++) {
    const held: number[] = [];
    let fit: number[] = Array.from(c.alwaysTrain);
    for (let k = 0; k < c.scored.length; k++) (c.foldOf[k] === f ? held : fit).push(c.scored[k]!);
    if (held.length === 0) continue;
    if (twins && twins[f]!.size > 0) fit = fit.filter((i) => !twins[f]!.has(i));
    const seed = deriveSeed(c.options.seed, f + 1);
    const { idx, referenceRows } = secondFitRows(c, Int32Array.from(fit).sort(), seed);
    const model: Classifier = await c.kind.train(
      { texts: Array.from(idx, (i) => c.texts[i]!), y: Int32Array.from(idx, (i) => c.y[i]!), labels: c.labels, valid: { texts: [], y: new Int32Array(0) }, ...referenceRowsOf(referenceRows) },
      { ...c.options, seed, fixed: c.choices, ...(onProgress ? { onProgress: (p) => onProgress({ ...p, phase: `decision fold ${f + 1}/${c.folds} ${p.phase}` }) } : {}) },
    );
    const heldTexts = held.map((i) => c.texts[i]!);
    const proba = new Float32Array(held.length * classes);
    // Engines that only run async (onnxruntime) are faster that way; the contract says to prefer it.
    if (model.predictProbaAsync) await model.predictProbaAsync(heldTexts, proba);
    else model.predictProba(heldTexts, proba);
    // Back to the positions of `scored`: the k-th held row of this fold is the k-th scored row in fold f.
    let j = 0;
    for (let k = 0; k < c.scored.length; k++) {
      if (c.foldOf[k] !== f) continue;
      out.set(proba.subarray(j * classes, (j + 1) * classes), k * classes);
      j++;
    }
  }
  return out;
}
