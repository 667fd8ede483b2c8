import type Database from 'better-sqlite3';
import { checkFeedbackRecords } from '../check-records.js';
import { countWithLast, feedbackWhere } from '../log-query.js';
import type { FeedbackLabels, FeedbackQuery, FeedbackRecord, FeedbackStore, StoredFeedback } from '../monitoring-store.js';
import { toStoredFeedback, type FeedbackRow } from '../row-mapping.js';

/**
 * Feedback (delayed true labels) in the monitoring file. Unlike the log, a label somebody sent us
 * cannot be recomputed, so addFeedback resolves only once its commit is on disk: the connection
 * switches to synchronous=FULL for that one transaction (in WAL mode FULL fsyncs the WAL at
 * commit; NORMAL leaves that to the next checkpoint) and back to NORMAL after. The switch is safe
 * on the shared connection because better-sqlite3 is synchronous: no log append can run between
 * the two pragmas. A second connection would do the same but contend for the write lock.
 * Measured on the dev box (ext4, NVMe): a 1-record add takes ~0.1 ms with NORMAL and ~1-3 ms with
 * FULL; feedback arrives in the tens per second at most, so the fsync is the right price.
 */
export class SqliteFeedbackStore implements FeedbackStore {
  private readonly insert;
  private readonly statements = new Map<string, Database.Statement<unknown[], FeedbackRow>>();

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(`INSERT INTO mon_feedback (endpoint, time, received_at, label, source, request_id, position, text, text_sha256,
      pred_seq, pred_variant, pred_model, pred_version, pred_model_sha256, pred_label, pred_score, pred_at, new_class)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  }

  async addFeedback(records: readonly FeedbackRecord[]): Promise<number[]> {
    checkFeedbackRecords(records);
    if (records.length === 0) return [];
    this.db.pragma('synchronous = FULL');
    try {
      return this.db.transaction(() => records.map((f) => {
        const p = f.prediction;
        return Number(this.insert.run(f.endpoint, f.time, f.receivedAt, f.label, f.source, f.requestId, f.position, f.text, f.textSha256,
          p?.seq ?? null, p?.variant ?? null, p?.model ?? null, p?.version ?? null, p?.modelSha256 ?? null, p?.label ?? null,
          p?.score ?? null, p?.at ?? null, f.newClass ? 1 : 0).lastInsertRowid);
      })).immediate();
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  async listFeedback(query: FeedbackQuery): Promise<StoredFeedback[]> {
    const params: unknown[] = [];
    const where = feedbackWhere(query, (v) => { params.push(v); return '?'; });
    if (query.last === undefined) {
      return this.prepared(`SELECT * FROM mon_feedback WHERE ${where} ORDER BY time, id`).all(...params).map(toStoredFeedback);
    }
    const newest = this.prepared(`SELECT * FROM mon_feedback WHERE ${where} ORDER BY time DESC, id DESC LIMIT ?`).all(...params, query.last);
    return newest.reverse().map(toStoredFeedback);
  }

  async listFeedbackLabels(query: FeedbackQuery): Promise<FeedbackLabels[]> {
    const params: unknown[] = [];
    const where = feedbackWhere(query, (v) => { params.push(v); return '?'; });
    const columns = 'label, pred_label AS predicted';
    if (query.last === undefined) return this.labels(`SELECT ${columns} FROM mon_feedback WHERE ${where} ORDER BY time, id`).all(...params);
    return this.labels(`SELECT ${columns} FROM mon_feedback WHERE ${where} ORDER BY time DESC, id DESC LIMIT ?`).all(...params, query.last).reverse();
  }

  async countFeedback(query: FeedbackQuery): Promise<number> {
    if (query.last !== undefined) throw countWithLast();
    const params: unknown[] = [];
    const where = feedbackWhere(query, (v) => { params.push(v); return '?'; });
    return (this.prepared(`SELECT COUNT(*) AS n FROM mon_feedback WHERE ${where}`).get(...params) as unknown as { n: number }).n;
  }

  private labels(sql: string): Database.Statement<unknown[], FeedbackLabels> {
    return this.prepared(sql) as unknown as Database.Statement<unknown[], FeedbackLabels>;
  }

  private prepared(sql: string): Database.Statement<unknown[], FeedbackRow> {
    let s = this.statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare<unknown[], FeedbackRow>(sql);
      this.statements.set(sql, s);
    }
    return s;
  }
}
