import type { Readable } from 'node:stream';
import { InputError } from '../core/errors.js';
import { BlankWatch } from './blank-input.js';
import { csvStream } from './csv-stream.js';
import { tableFormatOf, type TableFormat } from './file-format.js';
import { jsonlStream } from './jsonl.js';
import { textLines } from './line-stream.js';
import { openInputStream } from './read-file.js';
import { missingColumn } from './read-labelled-file.js';
import { checkUtf8Stream, decodeUtf8Stream } from './utf8-stream.js';

export type TextsFormat = TableFormat | 'lines';

export const DEFAULT_TEXT_COLUMN = 'text';

/**
 * Texts to classify. A .csv/.jsonl/.ndjson/.json-lines file is a table and the texts come from
 * `textColumn` (default "text"; a CSV with a single column uses that column whatever its name).
 * Any other file is plain text, one text per line (LF or CRLF); blank lines stay, as empty texts, so
 * output line k answers input line k. A final line break does not start another text.
 */
export async function readTextsFile(path: string, textColumn?: string): Promise<string[]> {
  return collect(textsOfStream(await openInputStream(path), tableFormatOf(path) ?? 'lines', textColumn, path));
}

/** Reads all of a stream (stdin) as texts in `format` (plain lines unless told). */
export async function readTextsFromStream(stream: Readable, format: TextsFormat = 'lines', textColumn?: string, name = '<stdin>'): Promise<string[]> {
  return collect(textsOfStream(stream, format, textColumn, name));
}

/**
 * The texts of a stream in `format` (rules as readTextsFile), as the pieces each chunk of input
 * completes, so inputs of any size are read in flat memory. For a table, the first piece comes as
 * soon as the header is read (possibly with no texts), so a wrong column fails before anything else.
 * Input that is only whitespace has no texts.
 */
export async function* textsOfStream(stream: Readable, format: TextsFormat, textColumn: string | undefined, source: string): AsyncGenerator<string[]> {
  const watch = new BlankWatch();
  const bytes = watch.pass(checkUtf8Stream(stream, source));
  if (format === 'lines') {
    yield* textLines(decodeUtf8Stream(bytes, source));
    return;
  }
  if (format === 'jsonl') {
    const column = textColumn ?? DEFAULT_TEXT_COLUMN;
    for await (const records of jsonlStream(decodeUtf8Stream(bytes, source), source)) {
      yield records.map(({ value, line }) => {
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
    return;
  }
  let at: number | undefined;
  try {
    for await (const piece of csvStream(bytes, source)) {
      if (at === undefined) {
        at = piece.header.indexOf(textColumn ?? DEFAULT_TEXT_COLUMN);
        if (at < 0 && textColumn === undefined && piece.header.length === 1) at = 0;
        if (at < 0 && !watch.blank) throw missingColumn(source, textColumn ?? DEFAULT_TEXT_COLUMN, piece.header);
      }
      const column = at;
      yield piece.records.map((record) => record[column]!);
    }
  } catch (e) {
    // Whitespace-only input has no texts, whichever CSV rule it breaks first.
    if (!watch.blank) throw e;
  }
}

async function collect(pieces: AsyncIterable<string[]>): Promise<string[]> {
  const all: string[] = [];
  for await (const piece of pieces) for (const t of piece) all.push(t);
  return all;
}
