import { InputError } from '../../core/errors.js';

/**
 * Checks for the numbers the sequential tests are fed: options from a release plan, counts from the
 * prediction log, state restored from JSON. Each names the field, so a bad plan or a corrupt
 * persisted state says where it is wrong instead of deciding on NaN.
 */
export function badField(field: string, what: string, value: unknown): InputError {
  return new InputError('sequential-input', `${field} ${what}, got ${JSON.stringify(value) ?? String(value)}`, { field, value: String(value) });
}

/** A probability strictly inside (0, 1): alpha, an effect size, a threshold rate. */
export function checkOpenUnit(field: string, value: unknown): number {
  if (typeof value !== 'number' || !(value > 0 && value < 1)) throw badField(field, 'must be a number between 0 and 1 (exclusive)', value);
  return value;
}

/** A count: a non-negative whole number. */
export function checkCount(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw badField(field, 'must be a whole number of at least 0', value);
  return value;
}

export function checkPositiveCount(field: string, value: unknown): number {
  if (checkCount(field, value) < 1) throw badField(field, 'must be a whole number of at least 1', value);
  return value as number;
}

/** `part` of `whole` (correct answers of labels, errors of requests): both counts, part ≤ whole. */
export function checkPart(field: string, part: unknown, wholeField: string, whole: number): number {
  const k = checkCount(field, part);
  if (k > whole) throw badField(field, `must not exceed ${wholeField} (${whole})`, part);
  return k;
}

export function asRecord(field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badField(field, 'must be an object', value);
  return value as Record<string, unknown>;
}
