import { InputError } from '../core/errors.js';
import type { ReviewItem, ReviewQuery } from './review-queue.js';

/**
 * The order a broker sees items in, most valuable first: the most routed occurrences (one answer
 * labels them all), then the least certain (lowest top score: the model knows least there), then
 * the oldest, then the id (a total order, so a keyset cursor never skips or repeats an item).
 */
export const REVIEW_ORDER = 'occurrences DESC, top_score ASC, first_seen ASC, id ASC';

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 1000;

/** Where the previous page stopped: the ordering key of its last item. */
type CursorKey = readonly [occurrences: number, topScore: number, firstSeen: number, id: number];

export function encodeCursor(item: ReviewItem): string {
  const key: CursorKey = [item.occurrences, item.suggestions[0]?.score ?? 0, item.firstSeen, item.id];
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string): CursorKey {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (!Array.isArray(key) || key.length !== 4 || !key.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new InputError('bad-cursor', `cursor "${cursor.slice(0, 80)}" is not one this queue gave out`, { field: 'cursor' }, 'Pass the nextCursor of the previous page, or none for the first page.');
  }
  return key as unknown as CursorKey;
}

export function checkPageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new InputError('bad-limit', `limit must be a whole number from 1 to ${MAX_PAGE}, got ${limit}`, { field: 'limit' });
  }
  return limit;
}

/**
 * The WHERE clause and parameters of one page (`param` adds a value and returns its placeholder:
 * `?` for SQLite, `$n` for PostgreSQL). The caller asks for LIMIT pageSize + 1 rows to learn
 * whether another page follows.
 */
export function pageWhere(query: ReviewQuery, param: (v: unknown) => string): string {
  const state = query.state ?? 'open';
  if (state !== 'open' && state !== 'answered' && state !== 'all') {
    throw new InputError('bad-state', `state must be open, answered or all, got "${String(state)}"`, { field: 'state' });
  }
  const parts = [`endpoint = ${param(query.endpoint)}`];
  if (state !== 'all') parts.push(`state = ${param(state)}`);
  if (query.cursor !== undefined && query.cursor !== '') {
    const [o, s, f, i] = decodeCursor(query.cursor);
    parts.push(`(occurrences < ${param(o)} OR (occurrences = ${param(o)} AND (top_score > ${param(s)} OR (top_score = ${param(s)}`
      + ` AND (first_seen > ${param(f)} OR (first_seen = ${param(f)} AND id > ${param(i)}))))))`);
  }
  return parts.join(' AND ');
}
