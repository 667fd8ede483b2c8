import { InputError } from '../core/errors.js';
import { BlankWatch } from './blank-input.js';
import { csvStream } from './csv-stream.js';
import { requireTableFormat } from './file-format.js';
import { jsonlStream } from './jsonl.js';
import { missingColumn } from './read-labelled-file.js';
import { openInputStream } from './read-file.js';
import { checkUtf8Stream, decodeUtf8Stream } from './utf8-stream.js';

/**
 * Named columns of a CSV or JSONL file, piece by piece, for readers that are not text + labels
 * (feature values, examples with entity keys and times). Each piece holds, per asked column, the
 * cells of the rows one chunk completed, and the line each row starts on, so a caller's error
 * names file, row and column. CSV cells are strings ('' for an empty cell); JSONL cells are the
 * JSON values, `undefined` where an optional column's field is absent.
 */
export interface ColumnPiece {
  /** cells[c][r]: column c (in the order asked) of row r. */
  readonly cells: unknown[][];
  readonly lines: number[];
}

export interface ColumnChoice {
  readonly required: readonly string[];
  /** Read when present; a row or a header without them is not an error. */
  readonly optional?: readonly string[];
}

export async function* columnsOfFile(path: string, choice: ColumnChoice): AsyncGenerator<ColumnPiece> {
  const names = [...choice.required, ...(choice.optional ?? [])];
  const required = new Set(choice.required);
  const format = requireTableFormat(path);
  const bytes = checkUtf8Stream(await openInputStream(path), path);
  const input = new BlankWatch().pass(bytes, () => { throw new InputError('empty-file', `${path} is empty`, { file: path }); });
  let rows = 0;
  if (format === 'csv') {
    let positions: number[] | undefined;
    for await (const piece of csvStream(input, path)) {
      positions ??= names.map((name) => {
        const at = piece.header.indexOf(name);
        if (at < 0 && required.has(name)) throw missingColumn(path, name, piece.header);
        if (at >= 0 && piece.header.indexOf(name, at + 1) >= 0) {
          throw new InputError('csv-duplicate-column', `${path}: the header names column "${name}" twice`, { file: path, row: 1, column: name });
        }
        return at;
      });
      if (piece.records.length === 0) continue;
      rows += piece.records.length;
      yield { cells: positions.map((at) => (at < 0 ? piece.records.map(() => undefined) : piece.records.map((r) => r[at]))), lines: piece.lines };
    }
  } else {
    for await (const records of jsonlStream(decodeUtf8Stream(input, path), path)) {
      if (records.length === 0) continue;
      rows += records.length;
      const cells = names.map((name) => records.map(({ value, line }) => {
        if (!Object.hasOwn(value, name)) {
          if (!required.has(name)) return undefined;
          throw new InputError('missing-field', `${path}: line ${line} has no field "${name}" (its fields: ${Object.keys(value).join(', ') || 'none'})`,
            { file: path, row: line, column: name });
        }
        return value[name];
      }));
      yield { cells, lines: records.map((r) => r.line) };
    }
  }
  if (rows === 0) throw new InputError('no-rows', `${path} has no data rows`, { file: path });
}
