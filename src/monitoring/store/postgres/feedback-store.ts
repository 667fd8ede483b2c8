import type pg from 'pg';
import { checkFeedbackRecords } from '../check-records.js';
import { countWithLast, feedbackWhere } from '../log-query.js';
import type { FeedbackLabels, FeedbackQuery, FeedbackRecord, FeedbackStore, StoredFeedback } from '../monitoring-store.js';
import { toStoredFeedback, type FeedbackRow } from '../row-mapping.js';
import { inMonitoringTransaction } from './connection.js';

const COLUMNS = ['endpoint', 'time', 'received_at', 'label', 'source', 'request_id', 'position', 'text', 'text_sha256',
  'pred_seq', 'pred_variant', 'pred_model', 'pred_version', 'pred_model_sha256', 'pred_label', 'pred_score', 'pred_at', 'new_class'];
const TYPES = ['text', 'int8', 'int8', 'text', 'text', 'text', 'int4', 'text', 'text',
  'int8', 'text', 'text', 'text', 'text', 'text', 'float8', 'int8', 'bool'];
const INSERT_SQL = `INSERT INTO mon_feedback (${COLUMNS.join(', ')})
  SELECT * FROM unnest(${TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ')}) RETURNING id`;

/**
 * Feedback (delayed true labels) in `mon_feedback`. A label somebody sent us cannot be recomputed,
 * so addFeedback resolves only after COMMIT returned with synchronous_commit forced on for that
 * transaction (whatever the server's default): PostgreSQL has then flushed the commit to its WAL.
 * One multi-row INSERT; ids come back sorted, which is the records' order (the identity sequence
 * numbers rows in the order unnest yields them).
 */
export class PgFeedbackStore implements FeedbackStore {
  constructor(private readonly pool: pg.Pool) {}

  async addFeedback(records: readonly FeedbackRecord[]): Promise<number[]> {
    checkFeedbackRecords(records);
    if (records.length === 0) return [];
    const cols: unknown[][] = TYPES.map(() => new Array<unknown>(records.length));
    records.forEach((f, i) => {
      const p = f.prediction;
      const values = [f.endpoint, f.time, f.receivedAt, f.label, f.source, f.requestId, f.position, f.text, f.textSha256,
        p?.seq ?? null, p?.variant ?? null, p?.model ?? null, p?.version ?? null, p?.modelSha256 ?? null, p?.label ?? null,
        p?.score ?? null, p?.at ?? null, f.newClass];
      for (let c = 0; c < values.length; c++) cols[c]![i] = values[c];
    });
    const ids = await inMonitoringTransaction(this.pool, async (client) => {
      await client.query('SET LOCAL synchronous_commit = on');
      return (await client.query<{ id: string }>(INSERT_SQL, cols)).rows.map((r) => Number(r.id));
    });
    return ids.sort((a, b) => a - b);
  }

  async listFeedback(query: FeedbackQuery): Promise<StoredFeedback[]> {
    const params: unknown[] = [];
    const where = feedbackWhere(query, (v) => { params.push(v); return `$${params.length}`; });
    if (query.last === undefined) {
      return (await this.pool.query<FeedbackRow>(`SELECT * FROM mon_feedback WHERE ${where} ORDER BY time, id`, params)).rows.map(toStoredFeedback);
    }
    const newest = (await this.pool.query<FeedbackRow>(`SELECT * FROM mon_feedback WHERE ${where} ORDER BY time DESC, id DESC LIMIT $${params.length + 1}`,
      [...params, query.last])).rows;
    return newest.reverse().map(toStoredFeedback);
  }

  async listFeedbackLabels(query: FeedbackQuery): Promise<FeedbackLabels[]> {
    const params: unknown[] = [];
    const where = feedbackWhere(query, (v) => { params.push(v); return `$${params.length}`; });
    const columns = 'label, pred_label AS predicted';
    if (query.last === undefined) {
      return (await this.pool.query<FeedbackLabels>(`SELECT ${columns} FROM mon_feedback WHERE ${where} ORDER BY time, id`, params)).rows;
    }
    return (await this.pool.query<FeedbackLabels>(`SELECT ${columns} FROM mon_feedback WHERE ${where} ORDER BY time DESC, id DESC LIMIT $${params.length + 1}`,
      [...params, query.last])).rows.reverse();
  }

  async countFeedback(query: FeedbackQuery): Promise<number> {
    if (query.last !== undefined) throw countWithLast();
    const params: unknown[] = [];
    const where = feedbackWhere(query, (v) => { params.push(v); return `$${params.length}`; });
    return Number((await this.pool.query<{ n: string }>(`SELECT COUNT(*) AS n FROM mon_feedback WHERE ${where}`, params)).rows[0]!.n);
  }
}
