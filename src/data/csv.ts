import { CsvError, type InfoRecord, type Options } from 'csv-parse';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { InputError } from '../core/errors.js';

export interface CsvTable {
  readonly header: readonly string[];
  readonly records: readonly (readonly string[])[];
  /** The 1-based line of the file on which each record starts (the header is on line 1). */
  readonly lines: readonly number[];
}

/**
 * A strict RFC 4180 parser over a whole text (see CsvRecordReader for the rules; csvStream reads a
 * stream the same way). The first record is the header and must exist.
 */
export function parseCsv(text: string, file: string): CsvTable {
  const records: string[][] = [];
  const lines: number[] = [];
  const reader = new CsvRecordReader(file, (fields, line) => { records.push(fields); lines.push(line); });
  try {
    parseCsvSync(text, reader.options);
  } catch (e) {
    throw reader.translate(e);
  }
  return { header: reader.finish(), records, lines };
}

/**
 * The rules lading reads CSV by, on top of csv-parse: fields separated by commas, records by CRLF or
 * LF (a lone CR also ends a record); a field is either unquoted (no quote character inside) or
 * wholly quoted, with `""` standing for one quote and line breaks allowed inside. Strict on purpose:
 * a stray quote usually means the file was written by hand or with the wrong delimiter, and guessing
 * turns that into silently wrong rows. Completely empty lines are skipped (a single empty field is
 * written `""`). Every record must have as many fields as the header (the first record). Errors name
 * the file, the line (as an editor numbers it) and the column.
 *
 * Lines are counted here, not taken from csv-parse, whose count for a record spanning lines is its
 * last line (and counts a CRLF inside quotes twice): a record's line is the one it starts on.
 */
export class CsvRecordReader {
  private headerFields: string[] | undefined;
  /** The line the previous record ended on. */
  private endLine = 0;
  private emptyLinesSeen = 0;

  /** Options for csv-parse; every record goes to `onRecord`, none is kept by the parser. */
  readonly options: Options;

  constructor(readonly file: string, private readonly onRecord: (fields: string[], line: number) => void) {
    this.options = {
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      on_record: (fields: string[], context: InfoRecord) => { this.accept(fields, context.empty_lines); return null; },
    };
  }

  get header(): readonly string[] | undefined { return this.headerFields; }

  private accept(fields: string[], emptyLines: number): void {
    const line = this.nextLine(emptyLines);
    this.endLine = line + lineBreaksIn(fields);
    if (this.headerFields === undefined) {
      this.headerFields = fields;
      return;
    }
    const header = this.headerFields;
    if (fields.length !== header.length) {
      throw new InputError(
        'csv-ragged-row',
        `${this.file}: line ${line} has ${fields.length} field${fields.length === 1 ? '' : 's'}, but the header has ${header.length} (${header.join(', ')})`,
        { file: this.file, row: line, column: fields.length > header.length ? fields.length : header.length, fields: fields.length, headerFields: header.length },
        'A comma inside a field needs the field to be quoted: "a, b".',
      );
    }
    this.onRecord(fields, line);
  }

  /** The line the next record starts on, given csv-parse's running count of skipped empty lines. */
  private nextLine(emptyLines: number): number {
    const line = this.endLine + 1 + (emptyLines - this.emptyLinesSeen);
    this.emptyLinesSeen = emptyLines;
    return line;
  }

  /** csv-parse's errors as InputErrors naming file, line and column; anything else unchanged. */
  translate(e: unknown): unknown {
    if (!(e instanceof CsvError)) return e;
    const line = this.nextLine(typeof e['empty_lines'] === 'number' ? e['empty_lines'] : this.emptyLinesSeen);
    const index = typeof e['index'] === 'number' ? e['index'] : 0;
    const column = this.headerFields?.[index] ?? index + 1;
    const fail = (code: string, what: string, hint: string): InputError =>
      new InputError(code, `${this.file}: line ${line}, column ${describeColumn(column)}: ${what}`, { file: this.file, row: line, column }, hint);
    switch (e.code) {
      case 'CSV_QUOTE_NOT_CLOSED':
        return fail('csv-unterminated-quote', 'a quoted field is never closed (missing closing ")',
          'Every " that opens a field needs a closing "; a quote inside a quoted field is written "".');
      case 'INVALID_OPENING_QUOTE':
        return fail('csv-stray-quote', 'a quote (") inside an unquoted field',
          'Quote the whole field and double the inner quote: "12"" pizza" for 12" pizza.');
      case 'CSV_INVALID_CLOSING_QUOTE': {
        const got = /got "([\s\S]*?)" at line/.exec(e.message)?.[1];
        return fail('csv-bad-quote', `unexpected ${got === undefined ? 'text' : JSON.stringify(got)} after the closing quote of a quoted field`,
          'Inside a quoted field a quote is written as two quotes ("").');
      }
      default:
        return new InputError('csv-invalid', `${this.file}: line ${line}: ${e.message}`, { file: this.file, row: line }, 'Check the file is comma-separated CSV (RFC 4180).');
    }
  }

  /** The header once the input has ended; a file without any record is empty. */
  finish(): readonly string[] {
    if (this.headerFields === undefined) {
      throw new InputError('empty-file', `${this.file} is empty: expected a header row and at least one data row`, { file: this.file });
    }
    return this.headerFields;
  }
}

/** Line breaks inside a record's fields (CRLF, LF or a lone CR each count one), as editors count lines. */
function lineBreaksIn(fields: readonly string[]): number {
  let k = 0;
  for (const f of fields) {
    if (f.indexOf('\n') < 0 && f.indexOf('\r') < 0) continue;
    for (let i = 0; i < f.length; i++) {
      const c = f.charCodeAt(i);
      if (c === 0x0a) k++;
      else if (c === 0x0d && f.charCodeAt(i + 1) !== 0x0a) k++;
    }
  }
  return k;
}

function describeColumn(column: string | number): string {
  return typeof column === 'number' ? String(column) : JSON.stringify(column);
}
