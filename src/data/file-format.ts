import { extname } from 'node:path';
import { InputError } from '../core/errors.js';

export type TableFormat = 'csv' | 'jsonl';

const TABLE_EXTENSIONS: Readonly<Record<string, TableFormat>> = {
  '.csv': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json-lines': 'jsonl',
};

/** The table format of a file, from its extension (case-insensitive), or undefined. */
export function tableFormatOf(path: string): TableFormat | undefined {
  return TABLE_EXTENSIONS[extname(path).toLowerCase()];
}

export function requireTableFormat(path: string): TableFormat {
  const format = tableFormatOf(path);
  if (format === undefined) {
    throw new InputError(
      'unsupported-format',
      `${path} is not CSV/JSONL: lading reads labelled data from .csv, .jsonl, .ndjson or .json-lines files`,
      { file: path, extension: extname(path) || '(none)' },
      'Export the data as CSV with a header row, or as JSON Lines (one object per line).',
    );
  }
  return format;
}
