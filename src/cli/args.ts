import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from '../core/errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with lading's error style: unknown or malformed flags become an InputError naming the flag. */
export function parseVerbArgs<O extends Options>(verb: string, argv: readonly string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals, strict: true });
  } catch (e) {
    throw new InputError('bad-arguments', `lading ${verb}: ${(e as Error).message}`, { verb }, `Run \`lading ${verb} --help\`.`);
  }
}

export function requireFlag(verb: string, value: string | undefined, flag: string): string {
  if (value === undefined || value === '') {
    throw new InputError('missing-flag', `lading ${verb}: ${flag} is required`, { verb, flag }, `Run \`lading ${verb} --help\`.`);
  }
  return value;
}

export function intFlag(verb: string, value: string | undefined, flag: string, fallback: number, min = -Infinity, max = Infinity): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new InputError('bad-flag', `lading ${verb}: ${flag} must be a whole number from ${min} to ${max}, got "${value}"`, { verb, flag, value });
  }
  return n;
}

/** --tag KEY=VALUE pairs. */
export function parseTags(pairs: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InputError('bad-tag', `--tag must be KEY=VALUE, got "${pair}"`, { flag: '--tag', value: pair });
    tags[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return tags;
}
