import { InputError } from '../../core/errors.js';
import type { TrainOptions } from '../classifier.js';
import { fixedChoices } from '../held-out-choices.js';

/**
 * How many epochs a deep kind runs: all the planned ones (params.epochs, early stopping keeps the
 * best on the validation split), or on a refit the epoch the first fit kept (its held-out choice
 * `epochs`). The learning-rate schedule stays that of the planned epochs either way, so the refit
 * follows the first fit's path and stops where it was best.
 */
export function epochsToRun(kind: string, options: TrainOptions, plannedEpochs: number): number {
  const fixed = fixedChoices(kind, options.fixed, ['epochs']);
  if (fixed === undefined) return plannedEpochs;
  if (!Number.isInteger(fixed.epochs) || fixed.epochs < 1 || fixed.epochs > plannedEpochs) {
    throw new InputError('bad-fixed-choice', `a ${kind} refit needs a whole number of epochs from 1 to the planned ${plannedEpochs}, got ${fixed.epochs}`,
      { kind, choice: 'epochs' });
  }
  return fixed.epochs;
}
