import { InputError } from '../core/errors.js';
import { parseTaxonomyRef } from './taxonomy-rules.js';
import { taxonomyRefOf, type TaxonomyVersion } from './taxonomy.js';

/**
 * A model version records the taxonomy its labels belong to as a registry tag, `taxonomy=hs2022@1`:
 * tags are set once at registration and kept with the version, so no registry schema change is
 * needed and every adapter, export and `models show` carries it already.
 */
export const TAXONOMY_TAG = 'taxonomy';

export function taxonomyTag(version: TaxonomyVersion): Record<string, string> {
  return { [TAXONOMY_TAG]: taxonomyRefOf(version) };
}

/** The taxonomy ref a model version's tags name (always `name@N`), or undefined. */
export function taxonomyOfTags(tags: Readonly<Record<string, string>>): string | undefined {
  const ref = tags[TAXONOMY_TAG];
  if (ref === undefined) return undefined;
  if (parseTaxonomyRef(ref).version === undefined) {
    throw new InputError('bad-taxonomy-tag', `tag ${TAXONOMY_TAG}=${ref} names no version`, { tag: TAXONOMY_TAG, value: ref }, 'Write NAME@N, e.g. hs2022@1.');
  }
  return ref;
}

/** Labels of a model that its taxonomy does not have, in the model's order. */
export function labelsOutsideTaxonomy(labels: readonly string[], codes: ReadonlySet<string>): string[] {
  return labels.filter((l) => !codes.has(l));
}

/**
 * The tags a registration records: the free `--tag`s plus the taxonomy's, refusing a `--tag
 * taxonomy=...` that names another version than `--taxonomy` (two answers to one question).
 */
export function tagsWithTaxonomy(tags: Readonly<Record<string, string>>, version: TaxonomyVersion | undefined): Record<string, string> {
  if (version === undefined) return { ...tags };
  const ref = taxonomyRefOf(version);
  const given = tags[TAXONOMY_TAG];
  if (given !== undefined && given !== ref) {
    throw new InputError('conflicting-taxonomy', `--tag ${TAXONOMY_TAG}=${given} and --taxonomy (${ref}) disagree`, { tag: given, taxonomy: ref }, 'Give only --taxonomy.');
  }
  return { ...tags, [TAXONOMY_TAG]: ref };
}
