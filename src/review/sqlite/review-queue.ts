import type Database from 'better-sqlite3';
import { checkRoutedTexts, claimRefused } from '../check-routed.js';
import { checkPageSize, encodeCursor, pageWhere, REVIEW_ORDER } from '../review-order.js';
import type { ClaimedItem, EnqueueResult, ReviewAnswer, ReviewItem, ReviewOccurrence, ReviewPage, ReviewQuery, ReviewQueue, RoutedText } from '../review-queue.js';
import { newestView, toOccurrence, toReviewItem, type ItemRow, type OccurrenceRow } from '../review-rows.js';

/**
 * The review queue in its SQLite file. better-sqlite3 is synchronous, so each method is one
 * transaction that nothing interleaves with.
 */
export class SqliteReviewQueue implements ReviewQueue {
  private closed = false;

  private readonly upsertItem;
  private readonly insertOccurrence;
  private readonly countOccurrence;
  private readonly selectItem;
  private readonly selectOccurrences;
  private readonly claim;
  private readonly release;
  private readonly feedback;

  constructor(private readonly db: Database.Database) {
    // DO UPDATE (a no-op) rather than DO NOTHING so RETURNING gives the id of an existing item too.
    this.upsertItem = db.prepare<unknown[], { id: number }>(`INSERT INTO rev_items (endpoint, text_sha256, text, top_score, suggestions, model, version, variant, first_seen, last_seen)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (endpoint, text_sha256) DO UPDATE SET endpoint = excluded.endpoint RETURNING id`);
    this.insertOccurrence = db.prepare(`INSERT INTO rev_occurrences (item_id, request_id, position, at, model, version, variant, top_score)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`);
    // An UPDATE's expressions read the row as it was, so `at >= last_seen` compares with the old newest.
    this.countOccurrence = db.prepare(`UPDATE rev_items SET occurrences = occurrences + 1,
      top_score = CASE WHEN @at >= last_seen THEN @score ELSE top_score END, suggestions = CASE WHEN @at >= last_seen THEN @json ELSE suggestions END,
      model = CASE WHEN @at >= last_seen THEN @model ELSE model END, version = CASE WHEN @at >= last_seen THEN @version ELSE version END,
      variant = CASE WHEN @at >= last_seen THEN @variant ELSE variant END,
      first_seen = MIN(first_seen, @at), last_seen = MAX(last_seen, @at) WHERE id = @id`);
    this.selectItem = db.prepare<[number], ItemRow>('SELECT * FROM rev_items WHERE id = ?');
    this.selectOccurrences = db.prepare<[number], OccurrenceRow>('SELECT * FROM rev_occurrences WHERE item_id = ? ORDER BY at, rowid');
    this.claim = db.prepare(`UPDATE rev_items SET state = 'answered', answer_label = ?, answer_actor = ?, answer_note = ?, answer_suggestion = ?, answered_at = ?
      WHERE id = ? AND state = 'open'`);
    this.release = db.prepare(`UPDATE rev_items SET state = 'open', answer_label = NULL, answer_actor = NULL, answer_note = NULL, answer_suggestion = NULL,
      answered_at = NULL WHERE id = ? AND state = 'answered' AND answered_at = ? AND feedback_ids IS NULL`);
    this.feedback = db.prepare('UPDATE rev_items SET feedback_ids = ? WHERE id = ?');
  }

  async enqueue(rows: readonly RoutedText[]): Promise<EnqueueResult> {
    checkRoutedTexts(rows);
    return this.db.transaction(() => {
      let added = 0;
      for (const r of rows) {
        const view = newestView(r.suggestions);
        const { id } = this.upsertItem.get(r.endpoint, r.textSha256, r.text, view.topScore, view.json, r.model, r.version, r.variant, r.at, r.at)!;
        if (this.insertOccurrence.run(id, r.requestId, r.position, r.at, r.model, r.version, r.variant, view.topScore).changes === 0) continue;
        this.countOccurrence.run({ id, at: r.at, score: view.topScore, json: view.json, model: r.model, version: r.version, variant: r.variant });
        added++;
      }
      return { added, duplicates: rows.length - added };
    }).immediate();
  }

  async list(query: ReviewQuery): Promise<ReviewPage> {
    const size = checkPageSize(query.limit);
    const params: unknown[] = [];
    const where = pageWhere(query, (v) => { params.push(v); return '?'; });
    const rows = this.db.prepare<unknown[], ItemRow>(`SELECT * FROM rev_items WHERE ${where} ORDER BY ${REVIEW_ORDER} LIMIT ?`).all(...params, size + 1);
    const items = rows.slice(0, size).map(toReviewItem);
    return { items, nextCursor: rows.length > size ? encodeCursor(items.at(-1)!) : null };
  }

  async get(id: number): Promise<ReviewItem | undefined> {
    const row = this.selectItem.get(id);
    return row === undefined ? undefined : toReviewItem(row);
  }

  async occurrences(id: number): Promise<ReviewOccurrence[]> {
    return this.selectOccurrences.all(id).map(toOccurrence);
  }

  async claimAnswer(id: number, answer: ReviewAnswer): Promise<ClaimedItem> {
    return this.durably(() => this.db.transaction(() => {
      if (this.claim.run(answer.label, answer.actor, answer.note, answer.suggestion, answer.at, id).changes === 0) {
        const row = this.selectItem.get(id);
        throw claimRefused(id, row === undefined ? undefined : toReviewItem(row));
      }
      return { item: toReviewItem(this.selectItem.get(id)!), occurrences: this.selectOccurrences.all(id).map(toOccurrence) };
    }).immediate());
  }

  async releaseAnswer(id: number, answeredAt: number): Promise<void> {
    this.durably(() => this.release.run(id, answeredAt));
  }

  async recordFeedback(id: number, feedbackIds: readonly number[]): Promise<void> {
    this.durably(() => this.feedback.run(JSON.stringify(feedbackIds), id));
  }

  /**
   * Runs `write` with synchronous=FULL (in WAL mode: the WAL is fsynced at commit), so an answer is
   * on disk before it is acknowledged. Safe on the shared connection: better-sqlite3 is synchronous,
   * so no routed batch commits between the two pragmas.
   */
  private durably<T>(write: () => T): T {
    this.db.pragma('synchronous = FULL');
    try {
      return write();
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
