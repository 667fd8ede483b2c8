import type { DatasetRows } from '../core/dataset.js';
import { InputError } from '../core/errors.js';
import { parseCsv } from './csv.js';
import { requireTableFormat, type TableFormat } from './file-format.js';
import { parseJsonl } from './jsonl.js';
import { readInputFile } from './read-file.js';
import { decodeUtf8Strict } from './utf8.js';

export interface LabelledColumns {
  readonly text: string;
  /** Label columns, primary first. */
  readonly labels: readonly string[];
}

/**
 * Reads a labelled CSV or JSONL file (format from the extension) into dataset rows, or throws the
 * first problem found as an InputError with facts {file, row, column}. `row` is always the 1-based
 * LINE number of the file as an editor shows it (CSV header = line 1; for a CSV record spanning
 * several lines, the line it starts on). Pure: it stores nothing.
 *
 * Rules: text may be empty (reported in the statistics); a label may not be empty or whitespace.
 * In JSONL a label may be a JSON number and is then kept as its decimal string (123 -> "123"); the
 * text must be a string. Beware that numbers lose leading zeros (HS chapter 01 written as 1), so
 * write codes as strings.
 */
export async function readLabelledFile(path: string, columns: LabelledColumns): Promise<DatasetRows> {
  const format = requireTableFormat(path);
  const bytes = await readInputFile(path);
  return parseLabelledText(decodeUtf8Strict(bytes, path), format, path, columns);
}

/** The pure part of readLabelledFile, for text already in memory. */
export function parseLabelledText(text: string, format: TableFormat, file: string, columns: LabelledColumns): DatasetRows {
  checkColumnChoice(columns);
  if (text.trim() === '') {
    throw new InputError('empty-file', `${file} is empty: expected ${format === 'csv' ? 'a header row and data rows' : 'one JSON object per line'}`, { file });
  }
  return format === 'csv' ? fromCsv(text, file, columns) : fromJsonl(text, file, columns);
}

function checkColumnChoice(columns: LabelledColumns): void {
  if (columns.text === '') throw new InputError('missing-flag', 'the text column name is empty', { column: '' });
  if (columns.labels.length === 0) throw new InputError('missing-flag', 'at least one label column is needed', {});
  const seen = new Set<string>([columns.text]);
  for (const label of columns.labels) {
    if (label === '') throw new InputError('bad-column', 'a label column name is empty', { column: '' });
    if (seen.has(label)) {
      throw new InputError('bad-column', `column "${label}" is named twice (text and label columns must all differ)`, { column: label });
    }
    seen.add(label);
  }
}

function fromCsv(text: string, file: string, columns: LabelledColumns): DatasetRows {
  const table = parseCsv(text, file);
  const header = table.header;
  const duplicate = header.find((name, i) => header.indexOf(name) !== i);
  if (duplicate !== undefined) {
    throw new InputError('csv-duplicate-column', `${file}: the header names column "${duplicate}" twice`, { file, row: 1, column: duplicate });
  }
  const wanted = [columns.text, ...columns.labels];
  const positions = wanted.map((name) => {
    const at = header.indexOf(name);
    if (at < 0) throw missingColumn(file, name, header);
    return at;
  });
  if (table.records.length === 0) {
    throw new InputError('no-rows', `${file} has a header but no data rows`, { file, row: 1 });
  }
  const n = table.records.length;
  const texts = new Array<string>(n);
  const labelValues = columns.labels.map(() => new Array<string>(n));
  const textAt = positions[0]!;
  for (let r = 0; r < n; r++) {
    const record = table.records[r]!;
    texts[r] = record[textAt]!;
    for (let c = 0; c < columns.labels.length; c++) {
      const value = record[positions[c + 1]!]!;
      if (value.trim() === '') throw emptyLabel(file, table.lines[r]!, columns.labels[c]!);
      labelValues[c]![r] = value;
    }
  }
  return rowsOf(columns, texts, labelValues);
}

function fromJsonl(text: string, file: string, columns: LabelledColumns): DatasetRows {
  const records = parseJsonl(text, file);
  if (records.length === 0) throw new InputError('empty-file', `${file} has no JSON objects`, { file });
  const n = records.length;
  const texts = new Array<string>(n);
  const labelValues = columns.labels.map(() => new Array<string>(n));
  for (let r = 0; r < n; r++) {
    const { value, line } = records[r]!;
    const t = field(value, columns.text, file, line);
    if (typeof t !== 'string') throw wrongType(file, line, columns.text, t, 'a string');
    texts[r] = t;
    for (let c = 0; c < columns.labels.length; c++) {
      const name = columns.labels[c]!;
      const v = field(value, name, file, line);
      let label: string;
      if (typeof v === 'string') label = v;
      else if (typeof v === 'number' && Number.isFinite(v)) label = String(v);
      else throw wrongType(file, line, name, v, 'a string (or a number)');
      if (label.trim() === '') throw emptyLabel(file, line, name);
      labelValues[c]![r] = label;
    }
  }
  return rowsOf(columns, texts, labelValues);
}

function field(value: Readonly<Record<string, unknown>>, name: string, file: string, line: number): unknown {
  if (!Object.hasOwn(value, name)) {
    const present = Object.keys(value);
    throw new InputError(
      'missing-field',
      `${file}: line ${line} has no field "${name}" (its fields: ${present.length > 0 ? present.join(', ') : 'none'})`,
      { file, row: line, column: name },
      nearMatchHint(name, present),
    );
  }
  return value[name];
}

function rowsOf(columns: LabelledColumns, texts: string[], labelValues: string[][]): DatasetRows {
  const labels = Object.fromEntries(columns.labels.map((name, i) => [name, labelValues[i]!]));
  return { textColumn: columns.text, labelColumns: [...columns.labels], texts, labels };
}

export function missingColumn(file: string, name: string, header: readonly string[]): InputError {
  return new InputError(
    'missing-column',
    `${file}: the header has no column "${name}"; its columns are: ${header.map((h) => JSON.stringify(h)).join(', ')}`,
    { file, row: 1, column: name },
    nearMatchHint(name, header) ?? 'Pick the columns with --text and --label.',
  );
}

function emptyLabel(file: string, line: number, column: string): InputError {
  return new InputError('empty-label', `${file}: line ${line}, column "${column}": the label is empty`, { file, row: line, column },
    'Every row needs a label; remove unlabelled rows or label them first.');
}

function wrongType(file: string, line: number, column: string, value: unknown, expected: string): InputError {
  const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value} (${JSON.stringify(value)})`;
  return new InputError('jsonl-bad-field', `${file}: line ${line}, field "${column}" is ${got}; expected ${expected}`, { file, row: line, column });
}

/** "Did you mean ...?" when a name differs from an existing one only by case or surrounding spaces. */
function nearMatchHint(name: string, present: readonly string[]): string | undefined {
  const key = name.trim().toLowerCase();
  const match = present.find((p) => p.trim().toLowerCase() === key);
  return match !== undefined ? `Did you mean ${JSON.stringify(match)}? Column names are matched exactly.` : undefined;
}
