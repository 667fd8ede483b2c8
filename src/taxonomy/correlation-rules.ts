import { InputError, NotFoundError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import { taxonomyRefOf, type CorrelationPair, type TaxonomyKey } from './taxonomy.js';

/**
 * The checks a correlation table passes before it is stored, each failing with the line of the file
 * (and the codes) that broke it, so a person fixes the row and nothing half-stored is left behind:
 * - every old code exists in the old version, every new code in the new one;
 * - no (old, new) pair appears twice;
 * - within one taxonomy name (a catalogue restructured in place: old and new codes share one code
 *   space) no cycle such as A -> B, B -> A: applied to labels the table would never settle. A code
 *   that maps to itself (kept, beside the new codes of a split) is no cycle.
 */
export function checkCorrelationPairs(input: {
  readonly from: TaxonomyKey;
  readonly to: TaxonomyKey;
  readonly pairs: readonly CorrelationPair[];
  readonly oldCodes: ReadonlySet<string>;
  readonly newCodes: ReadonlySet<string>;
  readonly file: string;
}): void {
  const { from, to, pairs, oldCodes, newCodes, file } = input;
  if (pairs.length === 0) throw new InputError('empty-correlation', `${file}: the correlation table has no rows`, { file });
  const firstLine = new Map<string, number>();
  for (const p of pairs) {
    if (!oldCodes.has(p.oldCode)) {
      throw rowError('unknown-old-code', file, p.line, 'old', `old code ${p.oldCode} is not in ${taxonomyRefOf(from)}`, `Check the code, or import the taxonomy version it belongs to.`);
    }
    if (!newCodes.has(p.newCode)) {
      throw rowError('unknown-new-code', file, p.line, 'new', `new code ${p.newCode} is not in ${taxonomyRefOf(to)}`, `Check the code, or import the taxonomy version it belongs to.`);
    }
    const key = `${p.oldCode}\0${p.newCode}`;
    const earlier = firstLine.get(key);
    if (earlier !== undefined) {
      throw rowError('duplicate-correlation-row', file, p.line, 'old', `${p.oldCode} -> ${p.newCode} repeats line ${earlier}`, 'Remove the repeated row.');
    }
    firstLine.set(key, p.line);
  }
  if (from.name === to.name) checkNoCycle(pairs, file);
}

function checkNoCycle(pairs: readonly CorrelationPair[], file: string): void {
  const next = new Map<string, CorrelationPair[]>();
  for (const p of pairs) {
    if (p.oldCode === p.newCode) continue;
    const list = next.get(p.oldCode) ?? [];
    list.push(p);
    next.set(p.oldCode, list);
  }
  // Depth-first search, colouring codes: 1 = on the current path, 2 = done. The pair that closes a
  // cycle is the one reported, with the whole cycle in the message.
  const state = new Map<string, 1 | 2>();
  const path: CorrelationPair[] = [];
  const visit = (code: string): void => {
    state.set(code, 1);
    for (const p of next.get(code) ?? []) {
      const s = state.get(p.newCode);
      if (s === 1) {
        const start = path.findIndex((q) => q.oldCode === p.newCode);
        const cycle = [...path.slice(start < 0 ? path.length : start), p].map((q) => q.oldCode).concat(p.newCode);
        throw rowError('correlation-cycle', file, p.line, 'new', `${p.oldCode} -> ${p.newCode} closes a cycle: ${cycle.join(' -> ')}`,
          'A code cannot come back to where it started; map each code to its final code.');
      }
      if (s === undefined) {
        path.push(p);
        visit(p.newCode);
        path.pop();
      }
    }
    state.set(code, 2);
  };
  for (const p of pairs) if (!state.has(p.oldCode)) visit(p.oldCode);
}

function rowError(code: string, file: string, line: number, column: string, what: string, hint: string): InputError {
  return new InputError(code, `${file}: line ${line}, column "${column}": ${what}; nothing was stored`, { file, row: line, column }, hint);
}

/** The identity of a table: both versions and the pairs, sorted (line numbers and row order do not count). */
export function correlationContentHash(from: TaxonomyKey, to: TaxonomyKey, pairs: readonly CorrelationPair[]): string {
  const sorted = pairs.map((p) => [p.oldCode, p.newCode]).sort((a, b) => (a.join('\0') < b.join('\0') ? -1 : 1));
  return sha256Hex(JSON.stringify({ from: taxonomyRefOf(from), to: taxonomyRefOf(to), pairs: sorted }));
}

export function correlationIdOf(contentSha256: string): string {
  return `corr-${contentSha256.slice(0, 16)}`;
}

/** The hex prefix of `corr-<hex>` or `<hex>`, checked, for lookups by prefix. */
export function correlationIdPrefix(idOrPrefix: string): string {
  const hex = idOrPrefix.startsWith('corr-') ? idOrPrefix.slice(5) : idOrPrefix;
  if (!/^[0-9a-f]{1,16}$/.test(hex)) {
    throw new InputError('bad-correlation-id', `"${idOrPrefix}" is not a correlation table id (corr- and up to 16 hex digits)`, { correlation: idOrPrefix },
      '`lading taxonomy list` shows the stored tables.');
  }
  return hex;
}

export function correlationNotFound(idOrPrefix: string, matches = 0): NotFoundError {
  return matches > 1
    ? new NotFoundError('correlation-ambiguous', `"${idOrPrefix}" matches ${matches} correlation tables`, { correlation: idOrPrefix }, 'Give more digits.')
    : new NotFoundError('correlation-not-found', `no correlation table ${idOrPrefix}`, { correlation: idOrPrefix }, '`lading taxonomy list` shows the stored tables.');
}
