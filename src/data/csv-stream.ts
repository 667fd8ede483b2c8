import { finished } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { CsvRecordReader } from './csv.js';

/** The records one stretch of a CSV stream completed, with the header and the line each starts on. */
export interface CsvPiece {
  readonly header: readonly string[];
  readonly records: string[][];
  readonly lines: number[];
}

/**
 * Reads CSV from a stream with the rules and errors of parseCsv, yielding after each input chunk
 * the records it completed (the first piece may have none: it carries the header, so a caller can
 * check the columns before the rest arrives). An error comes after the records before it were given
 * out. Memory is one chunk plus the records of one piece.
 */
export async function* csvStream(input: AsyncIterable<Uint8Array | string>, file: string): AsyncGenerator<CsvPiece> {
  let records: string[][] = [];
  let lines: number[] = [];
  const reader = new CsvRecordReader(file, (fields, line) => { records.push(fields); lines.push(line); });
  // Records go to the reader from on_record and none is pushed, so each write is parsed at once.
  const parser = parse(reader.options);
  parser.on('error', () => undefined); // read below through `errored` and `finished`
  parser.resume();
  let headerSent = false;
  const take = (): CsvPiece | undefined => {
    const header = reader.header;
    if (header === undefined || (records.length === 0 && headerSent)) return undefined;
    headerSent = true;
    const piece = { header, records, lines };
    records = [];
    lines = [];
    return piece;
  };
  try {
    for await (const chunk of input) {
      parser.write(chunk);
      // The records before a bad one are given out first: a caller sees the header and every good row.
      const piece = take();
      if (piece) yield piece;
      if (parser.errored) throw reader.translate(parser.errored);
    }
    parser.end();
    await finished(parser).catch((e: unknown) => { throw reader.translate(e); });
    reader.finish();
    const piece = take();
    if (piece) yield piece;
  } finally {
    parser.destroy();
  }
}
