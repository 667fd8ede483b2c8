import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from '../core/errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * parseArgs with lading's error style: an unknown or malformed flag becomes an InputError naming the
 * verb and the flag, and listing the flags the verb does take (node's own message is for programmers).
 */
export function parseVerbArgs<O extends Options>(verb: string, argv: readonly string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals, strict: true });
  } catch (e) {
    throw argumentError(verb, options, e as Error & { code?: string });
  }
}

function argumentError(verb: string, options: Options, e: Error & { code?: string }): InputError {
  const hint = `Run \`lading ${verb} --help\`.`;
  const quoted = /'([^']+)'/.exec(e.message)?.[1] ?? '';
  const known = Object.entries(options).map(([name, o]) => `--${name}${o.type === 'string' ? ' VALUE' : ''}`).join(', ');
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new InputError('unknown-option', `lading ${verb}: unknown option ${quoted}; the options are ${known}`, { verb, option: quoted }, hint);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = quoted.split(' ')[0] ?? quoted;
      const what = /missing/.test(e.message) ? 'needs a value' : 'takes no value';
      return new InputError('bad-option', `lading ${verb}: ${flag} ${what}`, { verb, option: flag }, hint);
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new InputError('unexpected-argument', `lading ${verb}: unexpected argument "${quoted}" (this verb takes only options)`, { verb, argument: quoted }, hint);
    default:
      return new InputError('bad-arguments', `lading ${verb}: ${e.message}`, { verb }, hint);
  }
}

/** Exactly the named positional arguments, in order; otherwise an error saying what the verb expects. */
export function positionalArgs(verb: string, positionals: readonly string[], names: readonly string[]): string[] {
  if (positionals.length !== names.length) {
    throw new InputError('bad-arguments', `lading ${verb}: expected ${names.join(' ')}, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`,
      { verb }, `Run \`lading ${verb} --help\`.`);
  }
  return [...positionals];
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
