import { basename, extname } from 'node:path';
import type { DatasetVersion } from '../../core/dataset.js';
import { NotFoundError } from '../../core/errors.js';
import { tableFormatOf } from '../../data/file-format.js';
import type { DatasetRegistry } from '../../registry/dataset-registry.js';

/**
 * Dataset references as pipelines write them. Dataset versions are named by content (`ds-...`);
 * a pipeline also names them the way people do:
 *   - `ds-1a2b...` (or a unique prefix): that version;
 *   - `NAME`: the newest version called NAME; `NAME@3`: the third (oldest first).
 * A version's name is the `name=` its lineage ends with (`lading feedback to-dataset --name`, the
 * versions a pipeline assembles), else the file it was imported from without its extension
 * (`hs4-train.csv` -> `hs4-train`).
 */
export function datasetName(v: DatasetVersion): string {
  const named = / name=([^\s]+)$/.exec(v.source.file);
  if (named) return named[1]!;
  const file = basename(v.source.file);
  return tableFormatOf(file) !== undefined ? file.slice(0, -extname(file).length) : file;
}

export async function resolveDatasetRef(registry: Pick<DatasetRegistry, 'getDataset' | 'listDatasets'>, ref: string): Promise<DatasetVersion> {
  if (/^ds-[0-9a-f]+$/.test(ref)) return registry.getDataset(ref);
  const at = /^(.+)@([1-9][0-9]*)$/.exec(ref);
  const name = at ? at[1]! : ref;
  const all = await registry.listDatasets();
  const versions = all.filter((v) => datasetName(v) === name);
  if (versions.length === 0) {
    // A bare hex prefix is still a dataset id, as `lading data show` takes it.
    if (at === null && /^[0-9a-f]{4,}$/.test(ref)) return registry.getDataset(ref);
    const names = [...new Set(all.map(datasetName))];
    throw new NotFoundError('unknown-dataset', `no dataset version is called "${name}"${names.length > 0 ? ` (there are: ${names.slice(0, 20).join(', ')})` : ' (the workspace has none)'}`,
      { dataset: ref }, 'Import it with `lading data import FILE` (its name is the file name without extension), or write its ds-... id.');
  }
  if (at === null) return versions[versions.length - 1]!;
  const n = Number(at[2]);
  const version = versions[n - 1];
  if (version === undefined) {
    throw new NotFoundError('unknown-dataset-version', `dataset "${name}" has ${versions.length} version(s), not ${n}`, { dataset: ref, versions: versions.length },
      `Use ${name}@1..${versions.length}, or ${name} for the newest.`);
  }
  return version;
}
