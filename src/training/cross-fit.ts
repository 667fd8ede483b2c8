import { deriveSeed } from '../core/random.js';
import type { Classifier } from '../models/classifier.js';
import { referenceRowsOf, secondFitRows, type RefitInput } from './refit.js';

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
   * 1 for each reviewed row (an answer to a text a model routed to review; indexes `texts`). Fold
   * models learn none of them (see crossFitScores); the served model and the validated fit do.
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
 *
 * A fold model learns no reviewed row. Every reviewed row was routed by a model that had learnt
 * every traffic row, so each one sits beside traffic rows that left that model unsure, and a person
 * often files it under another code than its neighbours ("USED GAS COOKER (4 BURNER)" is 8516 in
 * the data, a reviewed line like it 7321). A fold model that learnt the reviewed line but not its
 * neighbour scores the neighbour confidently wrong, where the served model, which learnt both, is
 * unsure; texts the served model has not seen have no line picked beside them. So the evidence read
 * each retrain as worse at the top than its traffic found it. Leaving out only the reviewed rows
 * alike to the scored ones (an IDF-weighted cosine of their folded tokens, at 0.5 and at 0.3)
 * helped less than leaving them all out: on bench:review, coverage at 0.98 after cycles 0-3 went
 * 22.2, 21.3, 25.3, 25.4% at 0.5, 22.2, 23.1, 26.4, 28.5% at 0.3 (retraining the 0.5 run's
 * datasets) and 22.2, 23.5, 26.2, 28.6% with none (a run of its own), at 0.978-0.983 precision on
 * the test side; on the whole train side 28.9, 28.9, 34.3, 35.4% at 0.5, 28.9, 31.7, 34.5, 37.2%
 * at 0.3 and 28.9, 31.9, 36.6, 39.1% with none (0.979-0.981). Fold models are then further from
 * the served model in what they know, but the policy only reads P(right | class, confidence) off
 * them, and that held.
 */
export async function crossFitScores(c: CrossFitInput): Promise<Float32Array> {
  const classes = c.labels.length;
  const out = new Float32Array(c.scored.length * classes);
  const { onProgress } = c.options;
  const reviewed = c.reviewed;
  for (let f = 0; f < c.folds; f++) {
    const held: number[] = [];
    let fit: number[] = Array.from(c.alwaysTrain);
    for (let k = 0; k < c.scored.length; k++) (c.foldOf[k] === f ? held : fit).push(c.scored[k]!);
    if (held.length === 0) continue;
    if (reviewed) fit = fit.filter((i) => reviewed[i] === 0);
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
