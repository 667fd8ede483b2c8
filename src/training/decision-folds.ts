import { InputError } from '../core/errors.js';
import { deriveSeed } from '../core/random.js';
import { assignFolds } from '../models/ensemble/folds.js';

const FOLD_STREAM = 0xf01d;

/**
 * How many folds the training side is cut into to give every training row an out-of-fold score
 * for the decide-or-route thresholds (cross-fit.ts). 3: each fold model learns from two thirds of
 * the training side, and training costs about twice as much (two extra full fits); 0 turns
 * cross-fitting off (thresholds from the validation split alone, as before).
 */
export const DEFAULT_DECISION_FOLDS = 3;
export const MAX_DECISION_FOLDS = 10;

/**
 * A fold count from a flag, key or option named `where`: 0 (off) or 2..10. 1 would score nothing
 * out of fold, and more than 10 folds cost more fits for scores hardly different from 10's.
 */
export function checkDecisionFolds(value: unknown, where: string): number {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || !(n === 0 || (n >= 2 && n <= MAX_DECISION_FOLDS))) {
    throw new InputError('bad-decision-folds', `${where} must be 0 (off) or a whole number from 2 to ${MAX_DECISION_FOLDS}; got ${JSON.stringify(value) ?? String(value)}`,
      { field: where, value: String(value) }, `Use ${where} ${DEFAULT_DECISION_FOLDS} (the default) or ${where} 0 to fit the thresholds on the validation split alone.`);
  }
  return n;
}

/**
 * Fold of each row in [0, folds): rows whose texts normalise alike share a fold (as the
 * train/validation split groups them), so no row is scored by a model trained on its copy; each
 * class's groups are cut into folds in the order of a seeded hash of their text, so each fold holds
 * about 1/folds of every class and a row keeps its fold when a retrain adds rows (its out-of-fold
 * score then changes with the model, not with a new draw of folds). Same texts, labels, folds and
 * seed: same folds. (The ensemble kind's own cross-fitting deals groups after a seeded shuffle.)
 */
export function assignDecisionFolds(texts: readonly string[], y: Int32Array, folds: number, seed: number): Int32Array {
  // A seed of its own: the validation split orders the same groups by the seed's hash.
  return assignFolds(texts, y, folds, deriveSeed(seed, FOLD_STREAM), 'text-hash');
}
