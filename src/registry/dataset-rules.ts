import { datasetIdFromHash, type DatasetRows, type DatasetStats, type DatasetVersion } from '../core/dataset.js';
import { decodeDatasetRows, encodeDatasetRows, isAscendingRowList } from '../core/dataset-codec.js';
import { ArtifactError, ConflictError, InputError, NotFoundError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import type { SaveDatasetOptions } from './dataset-registry.js';

/**
 * The rules both dataset-registry adapters apply, in one place so SQLite and PostgreSQL cannot
 * drift (as model-rules.ts is for models): what a user may type for a dataset, the shape checks,
 * a new version's record and row, and the check that stored rows are the registered ones.
 */

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

/** The rows checked and encoded, and their identity: computed before anything is stored. */
export function prepareDatasetRows(rows: DatasetRows, options: SaveDatasetOptions): { readonly bytes: Uint8Array; readonly contentSha256: string } {
  checkRowsShape(rows);
  if (options.levels !== undefined) checkLevelsShape(options.levels);
  const bytes = encodeDatasetRows(rows);
  return { bytes, contentSha256: sha256Hex(bytes) };
}

export function newDatasetVersion(rows: DatasetRows, contentSha256: string, source: DatasetVersion['source'], options: SaveDatasetOptions, stats: DatasetStats): DatasetVersion {
  return {
    id: datasetIdFromHash(contentSha256),
    contentSha256,
    source: { file: source.file, format: source.format, ...(source.features !== undefined ? { features: [...source.features] } : {}) },
    createdAt: new Date().toISOString(),
    textColumn: rows.textColumn,
    labelColumns: [...rows.labelColumns],
    ...(options.levels !== undefined && options.levels.length > 0 ? { levels: [...options.levels] } : {}),
    stats,
  };
}

/** The datasets table's columns (the same in both schemas), in the order datasetRowValues gives them. */
export const DATASET_COLUMNS = 'id, content_sha256, artifact_sha256, source, created_at, text_column, label_columns, levels, row_count, stats';

/** A new version's row, JSON as text (PostgreSQL casts it to jsonb). */
export function datasetRowValues(version: DatasetVersion, artifactSha256: string, rowCount: number): unknown[] {
  return [version.id, version.contentSha256, artifactSha256, JSON.stringify(version.source), version.createdAt, version.textColumn,
    JSON.stringify(version.labelColumns), version.levels ? JSON.stringify(version.levels) : null, rowCount, JSON.stringify(version.stats)];
}

/** The rows held by a dataset's artifact, checked to be the rows it was registered with. */
export function decodeStoredRows(dataset: { readonly id: string; readonly contentSha256: string; readonly artifactSha256: string }, bytes: Uint8Array, location: string): DatasetRows {
  const rows = decodeDatasetRows(bytes, location);
  if (sha256Hex(encodeDatasetRows(rows)) !== dataset.contentSha256) {
    throw new ArtifactError('dataset-artifact-mismatch', `dataset ${dataset.id}: its artifact does not hold the rows it was registered with`,
      { dataset: dataset.id, artifact: dataset.artifactSha256 });
  }
  return rows;
}

function checkRowsShape(rows: DatasetRows): void {
  if (rows.labelColumns.length === 0) throw new InputError('bad-dataset', 'a dataset needs at least one label column', {});
  if (rows.texts.length === 0) throw new InputError('bad-dataset', 'a dataset needs at least one row', {});
  for (const column of rows.labelColumns) {
    const values = rows.labels[column];
    if (values === undefined || values.length !== rows.texts.length) {
      throw new InputError('bad-dataset', `label column "${column}" has ${values?.length ?? 0} values for ${rows.texts.length} texts`, { column });
    }
  }
  if (rows.reviewRows !== undefined && !isAscendingRowList(rows.reviewRows, rows.texts.length)) {
    throw new InputError('bad-dataset', `the reviewed rows must be ascending row numbers below ${rows.texts.length}`, { field: 'reviewRows' });
  }
}
