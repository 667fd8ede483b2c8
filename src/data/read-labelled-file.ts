import type { DatasetRows } from '../core/dataset.js';
import { InputError } from '../core/errors.js';
import { BlankWatch } from './blank-input.js';
import { csvStream, type CsvPiece } from './csv-stream.js';
import { requireTableFormat, type TableFormat } from './file-format.js';
import { jsonlStream, type JsonlRecord } from './jsonl.js';
import { openInputStream } from './read-file.js';
import { checkUtf8Stream, decodeUtf8Stream } from './utf8-stream.js';

export interface LabelledColumns {
  readonly text: string;
  /** Label columns, primary first. */
  readonly labels: readonly string[];
}

/** Rows of a labelled file, as they are read: texts, one array per label column, and their lines. */
export interface LabelledPiece {
  readonly texts: string[];
  /** labels[c][r] is row r's value of label column c (in the order of LabelledColumns.labels). */
  readonly labels: string[][];
  readonly lines: number[];
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
 *
 * The file is streamed (labelledRows); only the rows are collected, never the file's text.
 */
export async function readLabelledFile(path: string, columns: LabelledColumns): Promise<DatasetRows> {
  const texts: string[] = [];
  const labelValues: string[][] = columns.labels.map(() => []);
  for await (const piece of labelledRows(path, columns)) {
    for (let r = 0; r < piece.texts.length; r++) texts.push(piece.texts[r]!);
    for (let c = 0; c < labelValues.length; c++) {
      const into = labelValues[c]!;
      for (const v of piece.labels[c]!) into.push(v);
    }
  }
  return rowsOf(columns, texts, labelValues);
}

/**
 * readLabelledFile as a stream of pieces (the rows each chunk of the file completed), for files
 * larger than memory. Every row is checked before it is yielded; an error can come after earlier
 * pieces, so a caller that must store nothing of a bad file collects first (as readLabelledFile).
 */
export async function* labelledRows(path: string, columns: LabelledColumns): AsyncGenerator<LabelledPiece> {
  checkColumnChoice(columns);
  const format = requireTableFormat(path);
  const bytes = checkUtf8Stream(await openInputStream(path), path);
  const input = new BlankWatch().pass(bytes, () => { throw emptyFile(path, format); });
  let rows = 0;
  if (format === 'csv') {
    let positions: number[] | undefined;
    for await (const piece of csvStream(input, path)) {
      positions ??= columnPositions(piece.header, path, columns);
      rows += piece.records.length;
      if (piece.records.length > 0) yield fromCsv(piece, positions, path, columns);
    }
    if (rows === 0) throw new InputError('no-rows', `${path} has a header but no data rows`, { file: path, row: 1 });
  } else {
    for await (const records of jsonlStream(decodeUtf8Stream(input, path), path)) {
      rows += records.length;
      yield fromJsonl(records, path, columns);
    }
    if (rows === 0) throw new InputError('empty-file', `${path} has no JSON objects`, { file: path });
  }
}

function emptyFile(file: string, format: TableFormat): InputError {
  return new InputError('empty-file', `${file} is empty: expected ${format === 'csv' ? 'a header row and data rows' : 'one JSON object per line'}`, { file });
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

/** Where the text and label columns sit in the header (text first), or the error naming what is wrong. */
function columnPositions(header: readonly string[], file: string, columns: LabelledColumns): number[] {
  const duplicate = header.find((name, i) => header.indexOf(name) !== i);
  if (duplicate !== undefined) {
    throw new InputError('csv-duplicate-column', `${file}: the header names column "${duplicate}" twice`, { file, row: 1, column: duplicate });
  }
  return [columns.text, ...columns.labels].map((name) => {
    const at = header.indexOf(name);
    if (at < 0) throw missingColumn(file, name, header);
    return at;
  });
}

function fromCsv(piece: CsvPiece, positions: readonly number[], file: string, columns: LabelledColumns): LabelledPiece {
  const n = piece.records.length;
  const texts = new Array<string>(n);
  const labelValues = columns.labels.map(() => new Array<string>(n));
  const textAt = positions[0]!;
  for (let r = 0; r < n; r++) {
    const record = piece.records[r]!;
    texts[r] = record[textAt]!;
    for (let c = 0; c < columns.labels.length; c++) {
      const value = record[positions[c + 1]!]!;
      if (value.trim() === '') throw emptyLabel(file, piece.lines[r]!, columns.labels[c]!);
      labelValues[c]![r] = value;
    }
  }
  return { texts, labels: labelValues, lines: piece.lines };
}

function fromJsonl(records: readonly JsonlRecord[], file: string, columns: LabelledColumns): LabelledPiece {
  const n = records.length;
  const texts = new Array<string>(n);
  const labelValues = columns.labels.map(() => new Array<string>(n));
  const lines = new Array<number>(n);
  for (let r = 0; r < n; r++) {
    const { value, line } = records[r]!;
    lines[r] = line;
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
  return { texts, labels: labelValues, lines };
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
