import { InputError } from '../../core/errors.js';
import type { TrainInput } from '../classifier.js';

export function checkTrainInput(kind: string, input: TrainInput): void {
  if (input.texts.length !== input.y.length) {
    throw new InputError('bad-training-input', `${kind} got ${input.texts.length} texts but ${input.y.length} labels`, { texts: input.texts.length, labels: input.y.length });
  }
  if (input.texts.length === 0) throw new InputError('bad-training-input', `${kind} needs at least one training example`, {});
  if (input.labels.length === 0) throw new InputError('bad-training-input', `${kind} needs at least one class`, {});
  const check = (y: Int32Array, split: string): void => {
    for (let i = 0; i < y.length; i++) {
      if (y[i]! < 0 || y[i]! >= input.labels.length) {
        throw new InputError('bad-training-input', `${split} example ${i} has class id ${y[i]}, outside [0, ${input.labels.length})`, { row: i, classId: y[i]!, split });
      }
    }
  };
  check(input.y, 'training');
  check(input.valid.y, 'validation');
}
