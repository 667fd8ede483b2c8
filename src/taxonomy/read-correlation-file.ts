import { InputError } from '../core/errors.js';
import { parseCsv } from '../data/csv.js';
import { readInputFile } from '../data/read-file.js';
import { decodeUtf8Strict } from '../data/utf8.js';
import { columnIndexes } from './read-taxonomy-file.js';
import type { CorrelationPair } from './taxonomy.js';

export interface CorrelationColumns {
  /** Default `old`. */
  readonly old?: string;
  /** Default `new`; a cell may list several codes separated by `;` (a split on one line). */
  readonly new?: string;
}

/**
 * Reads a correlation table CSV: one (old, new) pair per row, as customs authorities publish them,
 * a split being several rows (or several `;`-separated codes) for one old code. Only the shape is
 * checked here (non-empty codes); whether the codes exist, repeat or cycle is checked against the
 * stored taxonomies (correlation-rules.ts), with the same line numbers.
 */
export async function readCorrelationFile(path: string, columns: CorrelationColumns = {}): Promise<CorrelationPair[]> {
  const table = parseCsv(decodeUtf8Strict(await readInputFile(path), path), path);
  const oldColumn = columns.old ?? 'old';
  const newColumn = columns.new ?? 'new';
  const [oldAt, newAt] = columnIndexes(table, path, [oldColumn, newColumn]) as [number, number];
  const pairs: CorrelationPair[] = [];
  table.records.forEach((fields, r) => {
    const line = table.lines[r]!;
    const oldCode = fields[oldAt]!.trim();
    if (oldCode === '') throw emptyCode(path, line, oldColumn);
    const newCodes = fields[newAt]!.split(';').map((c) => c.trim());
    if (newCodes.some((c) => c === '')) throw emptyCode(path, line, newColumn);
    for (const newCode of newCodes) pairs.push({ oldCode, newCode, line });
  });
  if (pairs.length === 0) throw new InputError('empty-correlation', `${path}: no rows below the header`, { file: path, row: 2 });
  return pairs;
}

function emptyCode(file: string, line: number, column: string): InputError {
  return new InputError('empty-code', `${file}: line ${line}, column "${column}": the code is empty; nothing was stored`, { file, row: line, column },
    'Every row names one old code and at least one new code (several separated by ";").');
}
