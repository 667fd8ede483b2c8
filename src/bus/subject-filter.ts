import { InputError } from '../core/errors.js';

/**
 * NATS-style subject patterns, the same on both adapters (JetStream matches them on the server, the
 * embedded bus here): tokens separated by `.`, `*` matches one token, `>` as the last token matches
 * one or more. Every pattern lies under `lading.`, where every lifecycle event travels.
 */
const TOKEN = /^[A-Za-z0-9_-]+$/;

/** Throws an InputError naming the pattern and what is wrong with it. */
export function checkSubjectPattern(pattern: string): void {
  const tokens = pattern.split('.');
  const problem = tokens[0] !== 'lading' ? 'must start with `lading.`'
    : tokens.length < 2 ? 'needs at least one token after `lading`'
      : tokens.some((t, i) => !(TOKEN.test(t) || t === '*' || (t === '>' && i === tokens.length - 1)))
        ? 'tokens are letters, digits, _ or -, or `*`, or `>` as the last one' : undefined;
  if (problem !== undefined) {
    throw new InputError('bad-subject-filter', `subject filter ${JSON.stringify(pattern)} ${problem}`, { field: 'subjects', pattern },
      'Examples: `lading.>` (everything), `lading.alert.>` (every alert event), `lading.*.registered`.');
  }
}

/** Whether `subject` matches `pattern` (checked with checkSubjectPattern). */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

export const matchesAny = (patterns: readonly string[], subject: string): boolean => patterns.some((p) => subjectMatches(p, subject));
