import { InputError } from '../core/errors.js';
import { lineStream } from './line-stream.js';

export interface JsonlRecord {
  readonly value: Readonly<Record<string, unknown>>;
  /** 1-based line number in the file. */
  readonly line: number;
}

/**
 * Parses JSON Lines: one JSON object per line (LF or CRLF). Blank lines are skipped; anything else
 * that is not a JSON object is an error naming the line.
 */
export function parseJsonl(text: string, file: string): JsonlRecord[] {
  const out: JsonlRecord[] = [];
  let start = 0;
  let line = 0;
  while (start < text.length) {
    line++;
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const record = parseJsonlLine(text.slice(start, end), line, file);
    start = end + 1;
    if (record !== undefined) out.push(record);
  }
  return out;
}

/** parseJsonl over a text stream: the records each chunk completes, with the same rules and errors. */
export async function* jsonlStream(text: AsyncIterable<string>, file: string): AsyncGenerator<JsonlRecord[]> {
  let line = 0;
  for await (const lines of lineStream(text)) {
    const out: JsonlRecord[] = [];
    for (const raw of lines) {
      const record = parseJsonlLine(raw, ++line, file);
      if (record !== undefined) out.push(record);
    }
    if (out.length > 0) yield out;
  }
}

/** One line of a JSONL file: a record, undefined for a blank line, or an InputError naming the line. */
function parseJsonlLine(raw: string, line: number, file: string): JsonlRecord | undefined {
  if (raw.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    throw new InputError('jsonl-bad-line', `${file}: line ${line} is not valid JSON (${(e as Error).message})`, { file, row: line },
      'Each line of a JSON Lines file must be one complete JSON object, e.g. {"text": "...", "label": "..."}.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new InputError('jsonl-not-object', `${file}: line ${line} is ${kind}, not a JSON object`, { file, row: line },
      'Each line must be an object with named fields, e.g. {"text": "...", "label": "..."}.');
  }
  return { value: value as Record<string, unknown>, line };
}
