import { InputError } from '../core/errors.js';
import { parseCsv, type CsvTable } from '../data/csv.js';
import { readInputFile } from '../data/read-file.js';
import { missingColumn } from '../data/read-labelled-file.js';
import { decodeUtf8Strict } from '../data/utf8.js';
import type { TaxonomyCode, TaxonomyContent } from './taxonomy.js';

export interface TaxonomyColumns {
  /** The code column. Default `label` (hs6.csv). */
  readonly code?: string;
  /** The official description. Default `text` (hs6.csv). */
  readonly description?: string;
  /** Parent columns, narrowest first. Default `label_4`, `label_2` (hs6.csv: heading, chapter). */
  readonly parents?: readonly string[];
}

export const TAXONOMY_COLUMN_DEFAULTS = { code: 'label', description: 'text', parents: ['label_4', 'label_2'] } as const;

/**
 * Reads a label set from a CSV file: one row per code, with its description and parents. The
 * defaults fit the HS nomenclature file (hs6.csv); other files name their columns. Every code must
 * be non-empty and appear once: the error names the file, the line and the column.
 */
export async function readTaxonomyFile(path: string, columns: TaxonomyColumns = {}): Promise<TaxonomyContent> {
  const table = parseCsv(decodeUtf8Strict(await readInputFile(path), path), path);
  const codeColumn = columns.code ?? TAXONOMY_COLUMN_DEFAULTS.code;
  const descriptionColumn = columns.description ?? TAXONOMY_COLUMN_DEFAULTS.description;
  const parentColumns = columns.parents ?? TAXONOMY_COLUMN_DEFAULTS.parents;
  const at = columnIndexes(table, path, [codeColumn, descriptionColumn, ...parentColumns]);
  const firstLine = new Map<string, number>();
  const codes: TaxonomyCode[] = [];
  table.records.forEach((fields, r) => {
    const line = table.lines[r]!;
    const code = fields[at[0]!]!.trim();
    if (code === '') throw new InputError('empty-code', `${path}: line ${line}, column "${codeColumn}": the code is empty`, { file: path, row: line, column: codeColumn });
    const earlier = firstLine.get(code);
    if (earlier !== undefined) {
      throw new InputError('duplicate-code', `${path}: line ${line}, column "${codeColumn}": code ${code} already appeared on line ${earlier}`,
        { file: path, row: line, column: codeColumn }, 'Each code appears once in a taxonomy file.');
    }
    firstLine.set(code, line);
    codes.push({ code, description: fields[at[1]!]!.trim(), parents: at.slice(2).map((k) => fields[k]!.trim()) });
  });
  if (codes.length === 0) throw new InputError('empty-taxonomy', `${path}: no codes below the header`, { file: path, row: 2 });
  return { parentLevels: [...parentColumns], codes };
}

/** The index of each named column of the header; a missing one is an error naming the file and the columns it has. */
export function columnIndexes(table: CsvTable, path: string, names: readonly string[]): number[] {
  return names.map((name) => {
    const k = table.header.indexOf(name);
    if (k < 0) throw missingColumn(path, name, table.header);
    return k;
  });
}
