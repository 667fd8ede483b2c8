import type pg from 'pg';
import { inMonitoringTransaction } from '../../monitoring/store/postgres/connection.js';
import { checkRoutedTexts, claimRefused } from '../check-routed.js';
import { checkPageSize, encodeCursor, pageWhere, REVIEW_ORDER } from '../review-order.js';
import type { ClaimedItem, EnqueueResult, ReviewAnswer, ReviewItem, ReviewOccurrence, ReviewPage, ReviewQuery, ReviewQueue, RoutedText } from '../review-queue.js';
import { newestView, toOccurrence, toReviewItem, type ItemRow, type OccurrenceRow } from '../review-rows.js';

// Each statement takes the whole batch as arrays (unnest), so a batch is three round trips whatever
// its size. DO UPDATE (a no-op) rather than DO NOTHING so RETURNING gives the id of an existing item
// too; it also locks the item's row until the transaction ends, so concurrent counts never lose an update.
const UPSERT_ITEMS = `INSERT INTO rev_items (endpoint, text_sha256, text, top_score, suggestions, model, version, variant, first_seen, last_seen)
  SELECT e, h, t, s, j, m, v, va, a, a FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int8[])
    AS x(e, h, t, s, j, m, v, va, a)
  ON CONFLICT (endpoint, text_sha256) DO UPDATE SET endpoint = EXCLUDED.endpoint RETURNING id, endpoint, text_sha256`;
const INSERT_OCCURRENCES = `INSERT INTO rev_occurrences (item_id, request_id, position, at, model, version, variant, top_score)
  SELECT * FROM unnest($1::int8[], $2::text[], $3::int4[], $4::int8[], $5::text[], $6::text[], $7::text[], $8::float8[])
  ON CONFLICT DO NOTHING RETURNING item_id, request_id, position`;
// An UPDATE's expressions read the row as it was, so `max_at >= last_seen` compares with the old newest.
const COUNT_OCCURRENCES = `UPDATE rev_items i SET occurrences = i.occurrences + u.n,
  top_score = CASE WHEN u.max_at >= i.last_seen THEN u.s ELSE i.top_score END, suggestions = CASE WHEN u.max_at >= i.last_seen THEN u.j ELSE i.suggestions END,
  model = CASE WHEN u.max_at >= i.last_seen THEN u.m ELSE i.model END, version = CASE WHEN u.max_at >= i.last_seen THEN u.v ELSE i.version END,
  variant = CASE WHEN u.max_at >= i.last_seen THEN u.va ELSE i.variant END,
  first_seen = LEAST(i.first_seen, u.min_at), last_seen = GREATEST(i.last_seen, u.max_at)
  FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[], $5::float8[], $6::text[], $7::text[], $8::text[], $9::text[]) AS u(id, n, min_at, max_at, s, j, m, v, va)
  WHERE i.id = u.id`;
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
    if (rows.length === 0) return { added: 0, duplicates: 0 };
    // One row per item (an upsert may not touch a row twice), in one lock order for every batch, so
    // two writers never deadlock on two items.
    const firsts = new Map<string, RoutedText>();
    for (const r of rows) if (!firsts.has(itemKey(r))) firsts.set(itemKey(r), r);
    const items = [...firsts.values()].sort((a, b) => compare(itemKey(a), itemKey(b)));
    return inMonitoringTransaction(this.pool, async (client) => {
      const ids = new Map((await client.query<{ id: string; endpoint: string; text_sha256: string }>(UPSERT_ITEMS, columns(items, (r) => {
        const view = newestView(r.suggestions);
        return [r.endpoint, r.textSha256, r.text, view.topScore, view.json, r.model, r.version, r.variant, r.at];
      }))).rows.map((x) => [`${x.endpoint}\0${x.text_sha256}`, x.id]));
      const idOf = (r: RoutedText) => ids.get(itemKey(r))!;
      const inserted = new Set((await client.query<{ item_id: string; request_id: string | null; position: number }>(INSERT_OCCURRENCES, columns(rows, (r) =>
        [idOf(r), r.requestId, r.position, r.at, r.model, r.version, r.variant, r.suggestions[0]!.score]))).rows
        .filter((x) => x.request_id !== null).map((x) => `${x.item_id}\0${x.request_id}\0${x.position}`));
      // Occurrences without a request id never conflict: all of them were inserted.
      // A key is taken once: the same occurrence twice in one batch was inserted once.
      const added = rows.filter((r) => r.requestId === null || inserted.delete(`${idOf(r)}\0${r.requestId}\0${r.position}`));
      const counts = new Map<string, { id: string; n: number; minAt: number; newest: RoutedText }>();
      for (const r of added) {
        const c = counts.get(idOf(r));
        if (c === undefined) counts.set(idOf(r), { id: idOf(r), n: 1, minAt: r.at, newest: r });
        else {
          c.n++;
          c.minAt = Math.min(c.minAt, r.at);
          if (r.at >= c.newest.at) c.newest = r; // a later row of the batch with the same time wins, as one by one
        }
      }
      if (counts.size > 0) {
        await client.query(COUNT_OCCURRENCES, columns([...counts.values()], (c) => {
          const view = newestView(c.newest.suggestions);
          return [c.id, c.n, c.minAt, c.newest.at, view.topScore, view.json, c.newest.model, c.newest.version, c.newest.variant];
        }));
      }
      return { added: added.length, duplicates: rows.length - added.length };
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
const itemKey = (r: RoutedText) => `${r.endpoint}\0${r.textSha256}`;

/** The values of `rows` as one array per column (what unnest takes). */
function columns<T>(rows: readonly T[], values: (row: T) => unknown[]): unknown[][] {
  const cols: unknown[][] = [];
  rows.forEach((row, i) => values(row).forEach((v, c) => { (cols[c] ??= new Array<unknown>(rows.length))[i] = v; }));
  return cols;
}
