import { InputError } from '../core/errors.js';

/** A kind's hyper-parameter refused: names the kind, the parameter, what it must be and what it got. */
export function badParam(kindLabel: string, param: string, value: unknown, expected: string): InputError {
  return new InputError('bad-param', `${kindLabel} parameter ${param} must be ${expected}, got ${JSON.stringify(value)}`,
    { param, value: String(value) }, `Pass --param ${param}=VALUE with ${expected}.`);
}

/** A numeric hyper-parameter (a number, or a string of one from --param), its default when absent, checked against [min, max]. */
export function numberParam<K extends string>(kindLabel: string, defaults: Readonly<Record<K, unknown>>, raw: Readonly<Record<string, unknown>>,
  key: K, min: number, max: number, integer: boolean): number {
  const v = raw[key] ?? defaults[key];
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw badParam(kindLabel, key, v, `${integer ? 'an integer' : 'a number'} in [${min}, ${max}]`);
  }
  return n;
}
