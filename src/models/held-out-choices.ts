import { InputError } from '../core/errors.js';
import type { Classifier, HeldOutChoices } from './classifier.js';

/**
 * The choices a refit takes back (TrainOptions.fixed), checked against the names the kind reports:
 * a missing one would be decided again on no rows, an unknown one would be silently ignored, so
 * both are refused. Undefined when the fit is not a refit.
 */
export function fixedChoices<N extends string>(kind: string, fixed: HeldOutChoices | undefined, names: readonly N[]): Record<N, number> | undefined {
  if (fixed === undefined) return undefined;
  for (const name of Object.keys(fixed)) {
    if (!(names as readonly string[]).includes(name)) {
      throw new InputError('bad-fixed-choice', `${kind} does not take a held-out choice named "${name}"; it takes ${names.length > 0 ? names.join(', ') : 'none'}`,
        { kind, choice: name });
    }
  }
  const out = {} as Record<N, number>;
  for (const name of names) {
    const value = fixed[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InputError('bad-fixed-choice', `a ${kind} refit needs the held-out choice "${name}" as a finite number, got ${JSON.stringify(value)}`,
        { kind, choice: name });
    }
    out[name] = value;
  }
  return out;
}

/** Marks a freshly trained classifier with what it chose on held-out rows (Classifier.heldOutChoices). */
export function withHeldOutChoices<C extends Classifier>(classifier: C, choices: HeldOutChoices): C {
  return Object.assign(classifier, { heldOutChoices: Object.freeze({ ...choices }) });
}
