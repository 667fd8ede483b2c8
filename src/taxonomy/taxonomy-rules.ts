import { InputError, NotFoundError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import type { TaxonomyContent } from './taxonomy.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkTaxonomyName(name: string): string {
  if (!NAME.test(name)) {
    throw new InputError('bad-taxonomy-name', `taxonomy name "${name}" is not allowed: use letters, digits, ".", "_" and "-" (at most 64, first a letter or digit)`,
      { taxonomy: name }, 'For example hs2022 or catalogue-2026.');
  }
  return name;
}

/** `name` (latest: version undefined) or `name@N`. */
export function parseTaxonomyRef(ref: string): { readonly name: string; readonly version: number | undefined } {
  const at = ref.lastIndexOf('@');
  if (at < 0) return { name: checkTaxonomyName(ref), version: undefined };
  const name = checkTaxonomyName(ref.slice(0, at));
  const n = ref.slice(at + 1);
  if (!/^[1-9][0-9]{0,8}$/.test(n)) {
    throw new InputError('bad-taxonomy-ref', `taxonomy "${ref}": the version after "@" must be a whole number from 1`, { taxonomy: ref }, 'Write NAME or NAME@N, e.g. hs2022@1.');
  }
  return { name, version: Number(n) };
}

export function taxonomyNotFound(ref: string): NotFoundError {
  return new NotFoundError('taxonomy-not-found', `no taxonomy ${ref}`, { taxonomy: ref }, 'Import it with `lading taxonomy import NAME FILE`; `lading taxonomy list` shows what is stored.');
}

/**
 * Checks content before anything is stored (codes non-empty and unique, parents aligned with the
 * levels) and returns its sha256 over a canonical form: codes sorted, so the same label set read from
 * a reordered file is the same version.
 */
export function taxonomyContentHash(content: TaxonomyContent): string {
  if (content.codes.length === 0) throw new InputError('empty-taxonomy', 'a taxonomy needs at least one code', {});
  const seen = new Set<string>();
  for (const c of content.codes) {
    if (c.code === '') throw new InputError('empty-code', 'a taxonomy code is empty', {});
    if (seen.has(c.code)) throw new InputError('duplicate-code', `taxonomy code ${c.code} appears twice`, { code: c.code });
    if (c.parents.length !== content.parentLevels.length) {
      throw new InputError('bad-parents', `taxonomy code ${c.code} has ${c.parents.length} parent(s) for ${content.parentLevels.length} level(s)`, { code: c.code });
    }
    seen.add(c.code);
  }
  const codes = [...content.codes].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)).map((c) => [c.code, c.description, c.parents]);
  return sha256Hex(JSON.stringify({ parentLevels: content.parentLevels, codes }));
}
