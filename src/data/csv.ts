import { InputError } from '../core/errors.js';

export interface CsvTable {
  readonly header: readonly string[];
  readonly records: readonly (readonly string[])[];
  /** The 1-based line of the file on which each record starts (the header is on line 1). */
  readonly lines: readonly number[];
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;

/**
 * A strict RFC 4180 parser: fields separated by commas, records by CRLF or LF (a lone CR also ends
 * a record); a field is either unquoted (no quote character inside) or wholly quoted, with `""`
 * standing for one quote and line breaks allowed inside. Strict on purpose: a stray quote usually
 * means the file was written by hand or with the wrong delimiter, and guessing turns that into
 * silently wrong rows. Completely empty lines are skipped (a single empty field is written `""`).
 * The first record is the header and must exist. Every record must have as many fields as the
 * header. Errors name the file, the line (as an editor numbers it) and the column.
 */
export function parseCsv(text: string, file: string): CsvTable {
  const records: string[][] = [];
  const lines: number[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  let header: string[] | undefined;

  const columnName = (index: number): string | number => header?.[index] ?? index + 1;
  const fail = (code: string, what: string, atLine: number, column: number, hint?: string): InputError =>
    new InputError(code, `${file}: line ${atLine}, column ${describeColumn(columnName(column))}: ${what}`, { file, row: atLine, column: columnName(column) }, hint);

  while (i < n) {
    const first = text.charCodeAt(i);
    if (first === LF || first === CR) {
      i += first === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
      continue;
    }
    const recordLine = line;
    const fields: string[] = [];
    for (;;) {
      if (i < n && text.charCodeAt(i) === QUOTE) {
        const quoteLine = line;
        i++;
        let value = '';
        let start = i;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) {
            throw fail('csv-unterminated-quote', 'a quoted field is never closed (missing closing ")', quoteLine, fields.length,
              'Every " that opens a field needs a closing "; a quote inside a quoted field is written "".');
          }
          line += countLineBreaks(text, i, q);
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(start, q + 1);
            i = q + 2;
            start = i;
            continue;
          }
          value += text.slice(start, q);
          i = q + 1;
          break;
        }
        fields.push(value);
        const after = text.charCodeAt(i);
        if (i < n && after !== COMMA && after !== CR && after !== LF) {
          throw fail('csv-bad-quote', `unexpected ${JSON.stringify(text[i])} after the closing quote of a quoted field`, line, fields.length - 1,
            'Inside a quoted field a quote is written as two quotes ("").');
        }
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === COMMA || c === CR || c === LF) break;
          if (c === QUOTE) {
            throw fail('csv-stray-quote', 'a quote (") inside an unquoted field', line, fields.length,
              'Quote the whole field and double the inner quote: "12"" pizza" for 12" pizza.');
          }
          j++;
        }
        fields.push(text.slice(i, j));
        i = j;
      }
      if (i >= n) break;
      const c = text.charCodeAt(i);
      if (c === COMMA) { i++; continue; }
      i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
      break;
    }
    if (header === undefined) {
      header = fields;
      continue;
    }
    if (fields.length !== header.length) {
      throw new InputError(
        'csv-ragged-row',
        `${file}: line ${recordLine} has ${fields.length} field${fields.length === 1 ? '' : 's'}, but the header has ${header.length} (${header.join(', ')})`,
        { file, row: recordLine, column: fields.length > header.length ? fields.length : header.length, fields: fields.length, headerFields: header.length },
        'A comma inside a field needs the field to be quoted: "a, b".',
      );
    }
    records.push(fields);
    lines.push(recordLine);
  }
  if (header === undefined) {
    throw new InputError('empty-file', `${file} is empty: expected a header row and at least one data row`, { file });
  }
  return { header, records, lines };
}

function countLineBreaks(text: string, from: number, to: number): number {
  let k = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === LF) k++;
    else if (c === CR && text.charCodeAt(i + 1) !== LF) k++;
  }
  return k;
}

function describeColumn(column: string | number): string {
  return typeof column === 'number' ? String(column) : JSON.stringify(column);
}
