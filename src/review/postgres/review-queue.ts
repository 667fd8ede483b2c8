import type pg from 'pg';
import { inMonitoringTransaction } from '../../monitoring/store/postgres/connection.js';
import { checkRoutedTexts, claimRefused } from '../check-routed.js';
import { checkPageSize, encodeCursor, pageWhere, REVIEW_ORDER } from '../review-order.js';
import type { ClaimedItem, EnqueueResult, ReviewAnswer, ReviewItem, ReviewOccurrence, ReviewPage, ReviewQuery, ReviewQueue, RoutedText } from '../review-queue.js';
import { newestView, toOccurrence, toReviewItem, type ItemRow, type OccurrenceRow } from '../review-rows.js';

// DO UPDATE (a no-op) rather than DO NOTHING so RETURNING gives the id of an existing item too; it
// also locks the item's row until the transaction ends, so concurrent counts never lose an update.
const UPSERT_ITEM = `INSERT INTO rev_items (endpoint, text_sha256, text, top_score, suggestions, model, version, variant, first_seen, last_seen)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (endpoint, text_sha256) DO UPDATE SET endpoint = EXCLUDED.endpoint RETURNING id`;
const INSERT_OCCURRENCE = `INSERT INTO rev_occurrences (item_id, request_id, position, at, model, version, variant, top_score)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`;
// An UPDATE's expressions read the row as it was, so `at >= last_seen` compares with the old newest.
const COUNT_OCCURRENCE = `UPDATE rev_items SET occurrences = occurrences + 1,
  top_score = CASE WHEN $2 >= last_seen THEN $3 ELSE top_score END, suggestions = CASE WHEN $2 >= last_seen THEN $4 ELSE suggestions END,
  model = CASE WHEN $2 >= last_seen THEN $5 ELSE model END, version = CASE WHEN $2 >= last_seen THEN $6 ELSE version END,
  variant = CASE WHEN $2 >= last_seen THEN $7 ELSE variant END,
  first_seen = LEAST(first_seen, $2), last_seen = GREATEST(last_seen, $2) WHERE id = $1`;
const CLAIM = `UPDATE rev_items SET state = 'answered', answer_label = $2, answer_actor = $3, answer_note = $4, answer_suggestion = $5, answered_at = $6
  WHERE id = $1 AND state = 'open' RETURNING *`;
const RELEASE = `UPDATE rev_items SET state = 'open', answer_label = NULL, answer_actor = NULL, answer_note = NULL, answer_suggestion = NULL,
  answered_at = NULL WHERE id = $1 AND state = 'answered' AND answered_at = $2 AND feedback_ids IS NULL`;
const OCCURRENCES = 'SELECT * FROM rev_occurrences WHERE item_id = $1 ORDER BY at, seq';

/** The review queue in `rev_*` tables; each write is one transaction on one pooled connection. */
export class PgReviewQueue implements ReviewQueue {
  private closed: Promise<void> | undefined;

  constructor(private readonly pool: pg.Pool) {}

  async enqueue(rows: readonly RoutedText[]): Promise<EnqueueResult> {
    checkRoutedTexts(rows);
    // One lock order (by item key) for every batch, so two writers never deadlock on two items.
    const sorted = [...rows].sort((a, b) => (a.endpoint === b.endpoint ? compare(a.textSha256, b.textSha256) : compare(a.endpoint, b.endpoint)));
    return inMonitoringTransaction(this.pool, async (client) => {
      let added = 0;
      for (const r of sorted) {
        const view = newestView(r.suggestions);
        const id = (await client.query<{ id: string }>(UPSERT_ITEM, [r.endpoint, r.textSha256, r.text, view.topScore, view.json, r.model, r.version, r.variant, r.at])).rows[0]!.id;
        const inserted = await client.query(INSERT_OCCURRENCE, [id, r.requestId, r.position, r.at, r.model, r.version, r.variant, view.topScore]);
        if (inserted.rowCount === 0) continue;
        await client.query(COUNT_OCCURRENCE, [id, r.at, view.topScore, view.json, r.model, r.version, r.variant]);
        added++;
      }
      return { added, duplicates: rows.length - added };
    });
  }

  async list(query: ReviewQuery): Promise<ReviewPage> {
    const size = checkPageSize(query.limit);
    const params: unknown[] = [];
    const where = pageWhere(query, (v) => { params.push(v); return `$${params.length}`; });
    const rows = (await this.pool.query<ItemRow>(`SELECT * FROM rev_items WHERE ${where} ORDER BY ${REVIEW_ORDER} LIMIT $${params.length + 1}`, [...params, size + 1])).rows;
    const items = rows.slice(0, size).map(toReviewItem);
    return { items, nextCursor: rows.length > size ? encodeCursor(items.at(-1)!) : null };
  }

  async get(id: number): Promise<ReviewItem | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    const row = (await this.pool.query<ItemRow>('SELECT * FROM rev_items WHERE id = $1', [id])).rows[0];
    return row === undefined ? undefined : toReviewItem(row);
  }

  async occurrences(id: number): Promise<ReviewOccurrence[]> {
    return (await this.pool.query<OccurrenceRow>(OCCURRENCES, [id])).rows.map(toOccurrence);
  }

  async claimAnswer(id: number, answer: ReviewAnswer): Promise<ClaimedItem> {
    return inMonitoringTransaction(this.pool, async (client) => {
      const row = (await client.query<ItemRow>(CLAIM, [id, answer.label, answer.actor, answer.note, answer.suggestion, answer.at])).rows[0];
      if (row === undefined) {
        const existing = (await client.query<ItemRow>('SELECT * FROM rev_items WHERE id = $1', [id])).rows[0];
        throw claimRefused(id, existing === undefined ? undefined : toReviewItem(existing));
      }
      return { item: toReviewItem(row), occurrences: (await client.query<OccurrenceRow>(OCCURRENCES, [id])).rows.map(toOccurrence) };
    });
  }

  async releaseAnswer(id: number, answeredAt: number): Promise<void> {
    await this.pool.query(RELEASE, [id, answeredAt]);
  }

  async recordFeedback(id: number, feedbackIds: readonly number[]): Promise<void> {
    await this.pool.query('UPDATE rev_items SET feedback_ids = $2 WHERE id = $1', [id, JSON.stringify(feedbackIds)]);
  }

  close(): Promise<void> {
    return (this.closed ??= this.pool.end());
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
