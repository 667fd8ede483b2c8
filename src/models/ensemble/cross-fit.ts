import { concatIds } from '../../core/concat-ids.js';
import { deriveSeed } from '../../core/random.js';
import type { Classifier, HeldOutChoices, TrainInput, TrainOptions } from '../classifier.js';
import { foldRows } from './folds.js';
import { memberKind } from './member-kinds.js';

/**
 * Out-of-fold member probabilities: for each fold, each member is fitted on the other folds' rows
 * and scores the fold's rows. `foldOf` deals the input's traffic rows (its first foldOf.length);
 * the rows after them are its reference rows (TrainInput.referenceRows), which every fold's members
 * learn from and no fold scores: they are descriptions, not traffic, and scores on them would teach
 * the re-ranker how members behave on text production never sends. `visit` receives a fold's
 * scored rows (ascending), the rows its members learnt from (the other folds', then the reference
 * rows) and each member's probabilities for the scored rows (rows × classes), in member order; the
 * fold models are dropped after.
 */
export async function crossFitMembers(
  input: TrainInput, options: TrainOptions, members: readonly string[], foldOf: Int32Array, folds: number,
  visit: (fold: number, rows: Int32Array, trainRows: Int32Array, proba: Float32Array[]) => void,
): Promise<void> {
  const C = input.labels.length;
  const reference = Int32Array.from({ length: input.texts.length - foldOf.length }, (_, i) => foldOf.length + i);
  for (let f = 0; f < folds; f++) {
    const { inFold, outOfFold } = foldRows(foldOf, f);
    if (inFold.length === 0) continue;
    const trainRows = concatIds(outOfFold, reference);
    const proba: Float32Array[] = [];
    const foldTexts = Array.from(inFold, (i) => input.texts[i]!);
    for (const name of members) {
      const member = await fitMember(name, pick(input, trainRows, reference.length), options, deriveSeed(options.seed, f + 1), `fold ${f + 1}/${folds} ${name}`);
      const p = new Float32Array(inFold.length * C);
      member.predictProba(foldTexts, p);
      proba.push(p);
    }
    visit(f, inFold, trainRows, proba);
  }
}

/** Member `name` fitted on `input` with its kind's defaults; `fixed`: its held-out choices from an earlier fit (a refit). */
export function fitMember(name: string, input: TrainInput, options: TrainOptions, seed: number, phase: string, fixed?: HeldOutChoices): Promise<Classifier> {
  const { onProgress } = options;
  return memberKind(name).train(input, {
    seed, threads: options.threads, params: {}, ...(fixed ? { fixed } : {}),
    ...(onProgress ? { onProgress: (p) => onProgress({ ...p, phase: `${phase}: ${p.phase}` }) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/**
 * The training rows `idx` of `input`, whose last `referenceRows` are reference rows (validation
 * unchanged: members calibrate and stop early on it).
 */
export function pick(input: TrainInput, idx: Int32Array, referenceRows = 0): TrainInput {
  return {
    texts: Array.from(idx, (i) => input.texts[i]!), y: Int32Array.from(idx, (i) => input.y[i]!), labels: input.labels, valid: input.valid,
    ...(referenceRows > 0 ? { referenceRows } : {}),
  };
}
