import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DatasetRows, DatasetVersion } from '../core/dataset.js';
import { InputError } from '../core/errors.js';
import { readLabelledFile } from '../data/read-labelled-file.js';
import type { DatasetRegistry } from '../registry/dataset-registry.js';

/**
 * `--data FILE|DATASET`: a file is read, validated and imported into the workspace (idempotent:
 * the same content is the same version), so every model records the dataset version it came from.
 */
export async function loadTrainingData(registry: Pick<DatasetRegistry, 'saveDataset' | 'getDataset' | 'loadDatasetRows'>, data: string, textColumn: string, labelColumn: string): Promise<{ rows: DatasetRows; dataset: DatasetVersion; created: boolean }> {
  if (existsSync(data)) {
    const path = resolve(data);
    const rows = await readLabelledFile(path, { text: textColumn, labels: [labelColumn] });
    const format = /\.(jsonl|ndjson)$/i.test(path) ? 'jsonl' : 'csv';
    const { version, created } = await registry.saveDataset(rows, { file: path, format });
    return { rows, dataset: version, created };
  }
  if (!/^ds-[0-9a-f]+$/.test(data)) {
    throw new InputError('data-not-found', `--data ${data}: no such file, and not a dataset id (ds-...)`, { data }, 'Pass a CSV/JSONL path or an id from `lading data list`.');
  }
  const dataset = await registry.getDataset(data);
  const rows = await registry.loadDatasetRows(dataset.id);
  if (!rows.labels[labelColumn]) {
    throw new InputError('unknown-label-column', `dataset ${dataset.id} has no label column "${labelColumn}"; it has ${rows.labelColumns.join(', ')}`,
      { dataset: dataset.id, column: labelColumn });
  }
  return { rows, dataset, created: false };
}
