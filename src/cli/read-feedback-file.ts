import { basename } from 'node:path';
import { InputError } from '../core/errors.js';
import { csvStream } from '../data/csv-stream.js';
import { requireTableFormat } from '../data/file-format.js';
import { jsonlStream } from '../data/jsonl.js';
import { openInputStream } from '../data/read-file.js';
import { missingColumn } from '../data/read-labelled-file.js';
import { checkUtf8Stream, decodeUtf8Stream } from '../data/utf8-stream.js';
import type { FeedbackItemInput, ItemLocator } from '../monitoring/feedback/accept-feedback.js';

/** Which column of the file holds which field of a feedback item. */
export interface FeedbackColumns {
  readonly text?: string | undefined;
  readonly label: string;
  readonly requestId?: string | undefined;
  readonly position?: string | undefined;
  readonly time?: string | undefined;
}

export interface FeedbackFile {
  readonly items: FeedbackItemInput[];
  /** Errors about item i name the file, its line and the column (`file.csv: line 5, column "label"`). */
  readonly locate: ItemLocator;
}

const FIELDS = ['text', 'label', 'requestId', 'position', 'time'] as const;

/**
 * Reads corrections from a CSV (header row) or JSONL file with the data/ readers: every row becomes
 * an item, checked later by acceptFeedback, whose errors then name the file, line and column. An
 * empty CSV cell is an absent field. Collected whole, since a bad row must store nothing.
 */
export async function readFeedbackFile(path: string, columns: FeedbackColumns): Promise<FeedbackFile> {
  const format = requireTableFormat(path);
  const items: FeedbackItemInput[] = [];
  const lines: number[] = [];
  const chosen = FIELDS.flatMap((f) => (columns[f] !== undefined ? [[f, columns[f]!] as const] : []));
  const bytes = checkUtf8Stream(await openInputStream(path), path);
  if (format === 'csv') {
    let at: Array<readonly [typeof FIELDS[number], number]> | undefined;
    for await (const piece of csvStream(bytes, path)) {
      at ??= chosen.map(([f, col]) => {
        const k = piece.header.indexOf(col);
        if (k < 0) throw missingColumn(path, col, piece.header);
        return [f, k] as const;
      });
      for (let r = 0; r < piece.records.length; r++) {
        const record = piece.records[r]!;
        const item: Record<string, unknown> = {};
        for (const [f, k] of at) {
          const v = record[k] ?? '';
          if (v === '') continue;
          item[f] = f === 'position' && /^\d+$/.test(v.trim()) ? Number(v.trim()) : v;
        }
        // An empty text cell beside no id is reported as an empty text, not as a missing field.
        if (columns.text !== undefined && item['text'] === undefined && item['requestId'] === undefined) item['text'] = '';
        items.push(item);
        lines.push(piece.lines[r]!);
      }
    }
  } else {
    for await (const records of jsonlStream(decodeUtf8Stream(bytes, path), path)) {
      for (const { value, line } of records) {
        const item: Record<string, unknown> = {};
        for (const [f, col] of chosen) if (Object.hasOwn(value, col)) item[f] = value[col];
        items.push(item);
        lines.push(line);
      }
    }
  }
  if (items.length === 0) throw new InputError('no-rows', `${path} has no feedback rows`, { file: path }, 'Give a header row and one row per correction.');
  const columnOf = (field: string) => (columns as unknown as Record<string, string | undefined>)[field] ?? field;
  const name = basename(path);
  return {
    items,
    locate: {
      where: (i, field) => `${path}: line ${lines[i] ?? '?'}${field !== '' ? `, column "${columnOf(field)}"` : ''}`,
      facts: (i, field) => ({ file: path, row: lines[i] ?? -1, column: field !== '' ? columnOf(field) : '', name }),
    },
  };
}
