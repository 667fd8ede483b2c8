import type { Readable } from 'node:stream';
import { InputError } from '../core/errors.js';
import { parseCsv } from './csv.js';
import { tableFormatOf, type TableFormat } from './file-format.js';
import { parseJsonl } from './jsonl.js';
import { readInputFile } from './read-file.js';
import { missingColumn } from './read-labelled-file.js';
import { decodeUtf8Strict } from './utf8.js';

export type TextsFormat = TableFormat | 'lines';

export const DEFAULT_TEXT_COLUMN = 'text';

/**
 * Texts to classify. A .csv/.jsonl/.ndjson/.json-lines file is a table and the texts come from
 * `textColumn` (default "text"; a CSV with a single column uses that column whatever its name).
 * Any other file is plain text, one text per line (LF or CRLF); blank lines stay, as empty texts, so
 * output line k answers input line k. A final line break does not start another text.
 */
export async function readTextsFile(path: string, textColumn?: string): Promise<string[]> {
  const bytes = await readInputFile(path);
  return parseTexts(decodeUtf8Strict(bytes, path), tableFormatOf(path) ?? 'lines', path, textColumn);
}

/** Reads all of a stream (stdin) as texts in `format` (plain lines unless told). */
export async function readTextsFromStream(stream: Readable, format: TextsFormat = 'lines', textColumn?: string, name = '<stdin>'): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer));
  return parseTexts(decodeUtf8Strict(Buffer.concat(chunks), name), format, name, textColumn);
}

export function parseTexts(text: string, format: TextsFormat, source: string, textColumn?: string): string[] {
  if (format === 'lines') return splitLines(text);
  if (text.trim() === '') return [];
  if (format === 'csv') {
    const table = parseCsv(text, source);
    let at = table.header.indexOf(textColumn ?? DEFAULT_TEXT_COLUMN);
    if (at < 0 && textColumn === undefined && table.header.length === 1) at = 0;
    if (at < 0) throw missingColumn(source, textColumn ?? DEFAULT_TEXT_COLUMN, table.header);
    return table.records.map((record) => record[at]!);
  }
  const column = textColumn ?? DEFAULT_TEXT_COLUMN;
  return parseJsonl(text, source).map(({ value, line }) => {
    if (!Object.hasOwn(value, column)) {
      throw new InputError('missing-field', `${source}: line ${line} has no field "${column}" (its fields: ${Object.keys(value).join(', ') || 'none'})`,
        { file: source, row: line, column });
    }
    const t = value[column];
    if (typeof t !== 'string') {
      throw new InputError('jsonl-bad-field', `${source}: line ${line}, field "${column}" is ${t === null ? 'null' : typeof t}; expected a string`,
        { file: source, row: line, column });
    }
    return t;
  });
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.endsWith('\r')) lines[i] = l.slice(0, -1);
  }
  return lines;
}
