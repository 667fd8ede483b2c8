import type { DatasetVersion } from '../core/dataset.js';
import { ConflictError, InputError, NotFoundError } from '../core/errors.js';

const ID_PREFIX_RE = /^ds-[0-9a-f]*$/;

/**
 * What a user may type for a dataset: "ds-3f2a9c01b7e4d512", a prefix "ds-3f2a", or the bare hex
 * "3f2a". Returns the "ds-..." prefix to look up, or throws NotFoundError for anything that cannot
 * be a dataset id (so no query is built from arbitrary text).
 */
export function datasetIdPrefix(ref: string): string {
  const trimmed = ref.trim().toLowerCase();
  const prefixed = trimmed.startsWith('ds-') ? trimmed : `ds-${trimmed}`;
  if (!ID_PREFIX_RE.test(prefixed) || prefixed.length < 4) {
    throw notFound(ref);
  }
  return prefixed;
}

export function notFound(ref: string): NotFoundError {
  return new NotFoundError('dataset-not-found', `no dataset "${ref}" in this workspace`, { dataset: ref },
    'Run `lading data list` to see the dataset ids (a unique prefix is enough).');
}

export function ambiguous(ref: string, matches: readonly string[]): InputError {
  return new InputError('ambiguous-dataset-id', `dataset "${ref}" is ambiguous: it matches ${matches.join(', ')}`, { dataset: ref, matches: matches.length },
    'Type more of the id.');
}

/** Levels must be strictly increasing whole numbers >= 1 (prefix lengths). */
export function checkLevelsShape(levels: readonly number[]): void {
  let previous = 0;
  for (const level of levels) {
    if (!Number.isInteger(level) || level <= previous) {
      throw new InputError('bad-levels', `levels must be strictly increasing whole numbers >= 1 (e.g. 2,4,6), got ${levels.join(',')}`, { levels: levels.join(',') });
    }
    previous = level;
  }
}

/**
 * Re-importing rows that are already stored returns that version, unless --levels asks for other
 * levels: a dataset version never changes, so that is a ConflictError.
 */
export function checkSameLevels(version: DatasetVersion, levels: readonly number[] | undefined): DatasetVersion {
  const stored = version.levels ?? [];
  if (levels !== undefined && levels.join(',') !== stored.join(',')) {
    throw new ConflictError('dataset-levels-differ',
      `dataset ${version.id} already holds these rows with levels ${stored.length > 0 ? stored.join(',') : '(none)'}, not ${levels.length > 0 ? levels.join(',') : '(none)'}`,
      { dataset: version.id, stored: stored.join(','), requested: levels.join(',') },
      'A dataset version never changes; import without --levels to use it as it is.');
  }
  return version;
}
