import { csvField } from '../monitoring/log/export-format.js';
import { MAX_PAGE } from './review-order.js';
import type { ReviewItem, ReviewQueue, ReviewState } from './review-queue.js';

export type ReviewExportFormat = 'jsonl' | 'csv';

export const REVIEW_CSV_COLUMNS = ['id', 'endpoint', 'state', 'occurrences', 'text', 'text_sha256', 'suggestions', 'model', 'version', 'variant',
  'first_seen', 'last_seen', 'answer_label', 'answer_actor', 'answer_note', 'answered_at', 'feedback_ids'] as const;

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** One item as a JSON Lines record: every field, times as ISO-8601. */
export function reviewJsonLine(item: ReviewItem): string {
  return JSON.stringify({
    ...item, firstSeen: iso(item.firstSeen), lastSeen: iso(item.lastSeen),
    answer: item.answer === null ? null : { ...item.answer, at: iso(item.answer.at) },
  });
}

/** One item as a CSV record (REVIEW_CSV_COLUMNS); suggestions are `label:score|label:score`. */
export function reviewCsvLine(item: ReviewItem): string {
  return [
    item.id, item.endpoint, item.state, item.occurrences, item.text, item.textSha256, item.suggestions.map((s) => `${s.label}:${s.score}`).join('|'),
    item.model, item.version, item.variant, iso(item.firstSeen), iso(item.lastSeen), item.answer?.label ?? null, item.answer?.actor ?? null,
    item.answer?.note ?? null, iso(item.answer?.at), item.feedbackIds === null ? null : item.feedbackIds.join('|'),
  ].map(csvField).join(',');
}

/**
 * Writes every item of an endpoint in one state (in queue order) as JSON Lines or CSV (header first),
 * a page at a time so a long queue never sits in memory; returns how many were written.
 */
export async function exportReview(queue: Pick<ReviewQueue, 'list'>, query: { readonly endpoint: string; readonly state: ReviewState | 'all' },
  format: ReviewExportFormat, write: (chunk: string) => void | Promise<void>): Promise<number> {
  if (format === 'csv') await write(`${REVIEW_CSV_COLUMNS.join(',')}\n`);
  let cursor: string | undefined;
  let written = 0;
  do {
    const page = await queue.list({ ...query, limit: MAX_PAGE, cursor });
    if (page.items.length > 0) await write(`${page.items.map(format === 'csv' ? reviewCsvLine : reviewJsonLine).join('\n')}\n`);
    written += page.items.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return written;
}
