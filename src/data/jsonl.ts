import { InputError } from '../core/errors.js';

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
    const raw = text.slice(start, end);
    start = end + 1;
    if (raw.trim() === '') continue;
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
    out.push({ value: value as Record<string, unknown>, line });
  }
  return out;
}
