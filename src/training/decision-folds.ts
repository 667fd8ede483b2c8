import { InputError } from '../core/errors.js';
import { deriveSeed } from '../core/random.js';
import { assignFolds } from '../models/ensemble/folds.js';

const FOLD_STREAM = 0xf01d;

/**
 * How many folds the training side is cut into to give every training row an out-of-fold score
 * for the decide-or-route thresholds (cross-fit.ts); 0 turns cross-fitting off (thresholds from the
 * validation split alone). 5: each fold model learns four fifths of the training side plus the
 * validation rows (82% of the rows, against 70% at 3), and training costs 5 extra fits.
 *
 * Why 5 and not 3 (2026-12-08): the served model learns every row, a fold model fewer, and a model
 * of the same kind and settings on more rows is surer of itself at the same real precision, so
 * thresholds read off fold models decide a little too much on the served model, the more so the
 * further the fold model is from it. At 3 folds, on the benchmark's held-out part at a 0.98 target,
 * HS4 textcnn decided 40.2% at 0.9746 and grocery fasttext 14.2% at 0.976; at 5, 38.7% at 0.9765
 * and 8.9% at 0.983 (HS4 linear the same at 0.98, 37.1-37.3% at 0.983, and at 0.99 16.0% at 0.991
 * instead of 19.9% at 0.989; grocery linear 9.8% at 0.9815 instead of 14.0% at 0.979). A linear
 * model on 2,138 HS4 rows: 16.4% at 0.972 with 3, 15.8% at 0.976 with 5, 13.8% at 0.984 with 10.
 * So 5 costs coverage where 3 sat on the floor and holds the target everywhere measured; training
 * took 1,793 s instead of 1,102 s for HS4 textcnn.
 */
export const DEFAULT_DECISION_FOLDS = 5;
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
