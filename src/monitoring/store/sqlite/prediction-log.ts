import type Database from 'better-sqlite3';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { LoggedPrediction, StoredPrediction } from '../../log/logged-prediction.js';
import { checkPredictionRows } from '../check-records.js';
import { checkLogQuery, checkPageSize, checkRetention, DEFAULT_PAGE_SIZE, logWhere } from '../log-query.js';
import { ColumnPageBuilder, COLUMN_SCAN_COLUMNS, StreamNumbering, type PredictionColumns } from '../prediction-columns.js';
import type { LogQuery, PredictionLogStore, RetentionPolicy } from '../monitoring-store.js';
import { encodeTokenHashes, encodeTopLabels, encodeTopScores } from '../prediction-codec.js';
import { PREDICTION_COLUMNS, toStoredPrediction, type PredictionRow } from '../row-mapping.js';

/** Rows one pruning DELETE removes: small enough that each commit holds the write lock for milliseconds. */
export const PRUNE_CHUNK = 5_000;

/**
 * The prediction log in its own SQLite file. An append is one prepared INSERT run per row inside
 * one transaction (better-sqlite3 runs it synchronously: ~5 µs a row with three indexes). Pages are
 * keyset pages on (at, seq), which the (endpoint, at) index (rowid last) yields in order, so page
 * 100 costs what page 1 does; OFFSET would re-read every skipped row.
 */
export class SqlitePredictionLog implements PredictionLogStore {
  private readonly insert;
  private readonly byRequest;
  private readonly byText;
  private readonly endpoints;
  private readonly statements = new Map<string, Database.Statement<unknown[], unknown>>();

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(`INSERT INTO mon_predictions (request_id, position, at, endpoint, variant, role, model, version, model_sha256,
      text, text_sha256, label, score, top_labels, top_scores, latency_ms, chars, tokens, digits, upper, non_ascii, token_hashes)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    // Primary before shadow (both answer the same request id and position), then the newest.
    this.byRequest = db.prepare<unknown[], PredictionRow>(`SELECT ${PREDICTION_COLUMNS} FROM mon_predictions
      WHERE request_id = ? AND position = ? ORDER BY role = 'primary' DESC, seq DESC LIMIT 1`);
    this.byText = db.prepare<unknown[], PredictionRow>(`SELECT ${PREDICTION_COLUMNS} FROM mon_predictions
      WHERE endpoint = ? AND text_sha256 = ? AND at <= ? AND role = 'primary' ORDER BY at DESC, seq DESC LIMIT 1`);
    // Loose index scan: one index seek per distinct endpoint, not a pass over every row.
    this.endpoints = db.prepare<unknown[], { endpoint: string }>(`WITH RECURSIVE e(endpoint) AS (
      SELECT MIN(endpoint) FROM mon_predictions
      UNION ALL SELECT (SELECT MIN(endpoint) FROM mon_predictions WHERE endpoint > e.endpoint) FROM e WHERE e.endpoint IS NOT NULL)
      SELECT endpoint FROM e WHERE endpoint IS NOT NULL`);
  }

  async appendPredictions(rows: readonly LoggedPrediction[]): Promise<void> {
    checkPredictionRows(rows);
    if (rows.length === 0) return;
    const insert = this.insert;
    this.db.transaction(() => {
      for (const r of rows) {
        const s = r.stats;
        insert.run(r.requestId, r.position, r.at, r.endpoint, r.variant, r.role, r.model, r.version, r.modelSha256,
          r.text, r.textSha256, r.label, r.score, encodeTopLabels(r.topK), encodeTopScores(r.topK), r.latencyMs,
          s.chars, s.tokens, s.digits, s.upper, s.nonAscii, encodeTokenHashes(s.tokenHashes));
      }
    }).immediate();
  }

  /**
   * Keyset pages like scanPredictions, but each page is one `.raw()` iteration whose row arrays go
   * straight into typed arrays (ColumnPageBuilder): no row object, no per-row Uint32Array, and
   * only the columns a columnar reader uses (no request id, no top-k). Each page's statement runs
   * to its LIMIT before the page is yielded, so no iterator stays open on the connection while the
   * caller works (an open one would make the log writer's next append fail: connection busy).
   */
  async *scanPredictionColumns(query: LogQuery, pageSize = DEFAULT_PAGE_SIZE): AsyncIterable<PredictionColumns> {
    const scan = this.scanStart(query, pageSize);
    if (scan === undefined) return;
    const { params, where } = scan;
    let { key, remaining } = scan;
    const first = this.prepared(`SELECT ${COLUMN_SCAN_COLUMNS} FROM mon_predictions WHERE ${where} ORDER BY at, seq LIMIT ?`).raw(true);
    const next = this.prepared(`SELECT ${COLUMN_SCAN_COLUMNS} FROM mon_predictions WHERE ${where} AND (at, seq) > (?, ?) ORDER BY at, seq LIMIT ?`).raw(true);
    const numbering = new StreamNumbering();
    while (remaining > 0) {
      const limit = Math.min(pageSize, remaining);
      const page = new ColumnPageBuilder(limit, numbering);
      const rows = key === undefined ? first.iterate(...params, limit) : next.iterate(...params, key.at, key.seq, limit);
      for (const r of rows) page.add(r as unknown[]);
      if (page.rows === 0) return;
      key = page.lastKey();
      remaining -= page.rows;
      yield page.build();
      if (page.rows < limit) return;
    }
  }

  async *scanPredictions(query: LogQuery, pageSize = DEFAULT_PAGE_SIZE): AsyncIterable<readonly StoredPrediction[]> {
    const scan = this.scanStart(query, pageSize);
    if (scan === undefined) return;
    const { params, where } = scan;
    let { key, remaining } = scan;
    const first = this.prepared<PredictionRow>(`SELECT ${PREDICTION_COLUMNS} FROM mon_predictions WHERE ${where} ORDER BY at, seq LIMIT ?`);
    const next = this.prepared<PredictionRow>(`SELECT ${PREDICTION_COLUMNS} FROM mon_predictions WHERE ${where} AND (at, seq) > (?, ?) ORDER BY at, seq LIMIT ?`);
    while (remaining > 0) {
      const limit = Math.min(pageSize, remaining);
      const rows = key === undefined ? first.all(...params, limit) : next.all(...params, key.at, key.seq, limit);
      if (rows.length === 0) return;
      const last = rows[rows.length - 1]!;
      key = { at: Number(last.at), seq: Number(last.seq) };
      remaining -= rows.length;
      yield rows.map(toStoredPrediction);
      if (rows.length < limit) return;
    }
  }

  /** The WHERE clause of a scan and where it starts: after the key before the oldest of the newest `last`, or at the beginning. Undefined: nothing to scan. */
  private scanStart(query: LogQuery, pageSize: number): { params: unknown[]; where: string; key: { at: number; seq: number } | undefined; remaining: number } | undefined {
    checkLogQuery(query);
    checkPageSize(pageSize);
    const params: unknown[] = [];
    const where = logWhere(query, (v) => { params.push(v); return '?'; });
    const remaining = query.last ?? Infinity;
    if (remaining === 0) return undefined;
    let key: { at: number; seq: number } | undefined;
    if (query.last !== undefined) {
      // The oldest row of the newest `last`: the scan starts at it (inclusive, hence seq - 1).
      const start = this.prepared<{ at: number; seq: number }>(`SELECT at, seq FROM mon_predictions WHERE ${where}
        ORDER BY at DESC, seq DESC LIMIT 1 OFFSET ?`).get(...params, query.last - 1);
      if (start !== undefined) key = { at: start.at, seq: start.seq - 1 };
    }
    return { params, where, key, remaining };
  }

  async countPredictions(query: LogQuery): Promise<number> {
    const params: unknown[] = [];
    const where = logWhere(query, (v) => { params.push(v); return '?'; });
    const n = this.prepared<{ n: number }>(`SELECT COUNT(*) AS n FROM mon_predictions WHERE ${where}`).get(...params)?.n ?? 0;
    return query.last === undefined ? n : Math.min(n, query.last);
  }

  async findByRequestId(requestId: string, position = 0): Promise<StoredPrediction | undefined> {
    if (requestId === '') return undefined; // '' is "the caller sent no id": it names no request
    const row = this.byRequest.get(requestId, position);
    return row === undefined ? undefined : toStoredPrediction(row);
  }

  async findLatestByText(endpoint: string, textSha256: string, before?: number): Promise<StoredPrediction | undefined> {
    const row = this.byText.get(endpoint, textSha256, before ?? Number.MAX_SAFE_INTEGER);
    return row === undefined ? undefined : toStoredPrediction(row);
  }

  async listLoggedEndpoints(): Promise<Array<{ endpoint: string; rows: number; first: number; last: number }>> {
    const span = this.prepared<{ rows: number; first: number; last: number }>(
      'SELECT COUNT(*) AS rows, MIN(at) AS first, MAX(at) AS last FROM mon_predictions WHERE endpoint = ?');
    return this.endpoints.all().map(({ endpoint }) => ({ endpoint, ...span.get(endpoint)! }));
  }

  /**
   * Age first (per endpoint, through the (endpoint, at) index), then rows beyond maxRows, oldest
   * seq first. Each chunk of PRUNE_CHUNK rows is its own commit and the event loop runs between
   * chunks, so the log writer and readers in this process wait milliseconds, not for the whole purge.
   */
  async prunePredictions(policy: RetentionPolicy): Promise<number> {
    checkRetention(policy);
    let removed = 0;
    if (policy.maxAgeMs !== undefined) {
      const cutoff = policy.now - policy.maxAgeMs;
      const del = this.prepared(`DELETE FROM mon_predictions WHERE seq IN
        (SELECT seq FROM mon_predictions WHERE endpoint = ? AND at < ? LIMIT ${PRUNE_CHUNK})`);
      for (const { endpoint } of this.endpoints.all()) {
        for (;;) {
          const n = del.run(endpoint, cutoff).changes;
          removed += n;
          if (n < PRUNE_CHUNK) break;
          await yieldToEventLoop();
        }
      }
    }
    if (policy.maxRows !== undefined) {
      let excess = (this.prepared<{ n: number }>('SELECT COUNT(*) AS n FROM mon_predictions').get()?.n ?? 0) - policy.maxRows;
      const del = this.prepared('DELETE FROM mon_predictions WHERE seq IN (SELECT seq FROM mon_predictions ORDER BY seq LIMIT ?)');
      while (excess > 0) {
        const n = del.run(Math.min(excess, PRUNE_CHUNK)).changes;
        if (n === 0) break;
        removed += n;
        excess -= n;
        if (excess > 0) await yieldToEventLoop();
      }
    }
    return removed;
  }

  private prepared<R = unknown>(sql: string): Database.Statement<unknown[], R> {
    let s = this.statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s as Database.Statement<unknown[], R>;
  }
}
