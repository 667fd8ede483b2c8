import { InputError } from '../core/errors.js';
import type { TrainInput } from './classifier.js';

/**
 * The number of traffic rows of a training input: its rows before the trailing reference rows
 * (TrainInput.referenceRows). Kinds that split their input internally split only these and add the
 * rest to every internal fit's training side.
 */
export function trafficRows(input: TrainInput): number {
  const reference = input.referenceRows ?? 0;
  if (!Number.isInteger(reference) || reference < 0 || reference > input.texts.length) {
    throw new InputError('bad-reference-rows', `referenceRows must be a whole number between 0 and the ${input.texts.length} training rows, got ${reference}`,
      { field: 'referenceRows', value: reference });
  }
  return input.texts.length - reference;
}
