import type Database from 'better-sqlite3';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { LoggedPrediction, StoredPrediction } from '../../log/logged-prediction.js';
import { checkPredictionRows } from '../check-records.js';
import { checkLogQuery, checkPageSize, checkRetention, DEFAULT_PAGE_SIZE } from '../log-query.js';
import { ColumnPageBuilder, COLUMN_SCAN_COLUMNS_BY_STREAM_ID, StreamNumbering, type PredictionColumns, type PredictionStream } from '../prediction-columns.js';
import type { LogQuery, PredictionLogStore, RetentionPolicy } from '../monitoring-store.js';
import { encodeTokenHashes, encodeTopLabels, encodeTopScores } from '../prediction-codec.js';
import { requestKey, textKey } from '../lookup-keys.js';
import { PREDICTION_COLUMNS, toStoredPrediction, type PredictionRow } from '../row-mapping.js';

/** Rows one pruning DELETE removes: small enough that each commit holds the write lock for milliseconds. */
export const PRUNE_CHUNK = 5_000;

/** Rows one INSERT statement carries: a 1,000-row batch is 10 statements, not 1,000 (20 parameters a row, 2,000 a statement, far below SQLite's 32,766). */
export const ROWS_PER_INSERT = 100;

/**
 * Rows appended since the last lookup catch-up that make an append run one. Larger chunks rewrite
 * the lookup tables' pages less often per row but pause the appending thread (the log writer's own
 * thread) longer once in a while; a lookup catches up what is left (at most this many rows) on its
 * caller's thread. Measured, 1M rows in 1,000-row batches, loaded 2-core box, one run each:
 * 50,000: 20 catch-ups, 8.7 s of 33.5 s wall, 12.2 s CPU in all; 100,000: 10 catch-ups, 6.2 s of
 * 21.4 s, 10.4 s CPU; 200,000: 5 catch-ups, 5.3 s of 20.0 s, 10.4 s CPU (about 1 s a pause).
 */
export const CATCH_UP_ROWS = 100_000;

/** Rows one catch-up transaction indexes at most (the first catch-up of an upgraded file may have millions). */
const CATCH_UP_CHUNK = 200_000;

const INSERT_COLUMNS = `request_id, position, at, endpoint, stream_id,
  text, text_sha256, label, score, top_labels, top_scores, latency_ms, chars, tokens, digits, upper, non_ascii, token_hashes, request_key, text_key`;
const COLUMNS_PER_ROW = 20;

/**
 * The prediction log in its own SQLite file. An append is one transaction of multi-row INSERTs
 * (ROWS_PER_INSERT rows a statement) into mon_predictions, whose only index is (endpoint, at):
 * it grows at its right edge, so an append dirties few pages. The request and text lookups use
 * integer-keyed side tables (sqlite/monitoring-schema.ts, migration 2) that a catch-up fills in key
 * order every CATCH_UP_ROWS appended rows and before every lookup, so a lookup always sees every
 * committed row. Pages are keyset pages on (at, seq), which the (endpoint, at) index (rowid last)
 * yields in order, so page 100 costs what page 1 does; OFFSET would re-read every skipped row.
 */
export class SqlitePredictionLog implements PredictionLogStore {
  private readonly insertMany;
  private readonly insertOne;
  private readonly byRequest;
  private readonly byText;
  private readonly endpoints;
  private readonly catchUpStatements;
  private readonly statements = new Map<string, Database.Statement<unknown[], unknown>>();
  /** This connection's idea of the lookup watermark: only decides when an append runs a catch-up (which reads the real one). */
  private indexedUpTo: number;
  private readonly params = new Array<unknown>(ROWS_PER_INSERT * COLUMNS_PER_ROW);
  /**
   * mon_streams as this connection knows it (a stream's id never changes: streams are never
   * deleted). Appends find a row's id here; another connection's new streams are read on a miss.
   */
  private readonly streamIds = new Map<string, number>();
  private readonly streamsById = new Map<number, PredictionStream>();
  private readonly streamStatements;

  constructor(private readonly db: Database.Database) {
    const values = (n: number) => Array.from({ length: n }, () => `(${new Array(COLUMNS_PER_ROW).fill('?').join(', ')})`).join(', ');
    this.insertMany = db.prepare(`INSERT INTO mon_predictions (${INSERT_COLUMNS}) VALUES ${values(ROWS_PER_INSERT)}`);
    this.insertOne = db.prepare(`INSERT INTO mon_predictions (${INSERT_COLUMNS}) VALUES ${values(1)}`);
    // The key tables say where to look; the row itself is compared in full (keys may collide).
    // CROSS JOIN: SQLite must start from the key table, not scan mon_predictions.
    // Primary before shadow (both answer the same request id and position), then the newest.
    this.byRequest = db.prepare<unknown[], PredictionRow>(`SELECT ${JOINED_COLUMNS} FROM mon_request_keys k CROSS JOIN mon_predictions p ON p.seq = k.seq
      CROSS JOIN mon_streams s ON s.stream_id = p.stream_id
      WHERE k.request_key = ? AND p.request_id = ? AND p.position = ? ORDER BY s.role = 'primary' DESC, p.seq DESC LIMIT 1`);
    this.byText = db.prepare<unknown[], PredictionRow>(`SELECT ${JOINED_COLUMNS} FROM mon_text_keys k CROSS JOIN mon_predictions p ON p.seq = k.seq
      CROSS JOIN mon_streams s ON s.stream_id = p.stream_id
      WHERE k.text_key = ? AND k.at <= ? AND p.endpoint = ? AND p.text_sha256 = ? AND s.role = 'primary' ORDER BY k.at DESC, k.seq DESC LIMIT 1`);
    // Loose index scan: one index seek per distinct endpoint, not a pass over every row.
    this.endpoints = db.prepare<unknown[], { endpoint: string }>(`WITH RECURSIVE e(endpoint) AS (
      SELECT MIN(endpoint) FROM mon_predictions
      UNION ALL SELECT (SELECT MIN(endpoint) FROM mon_predictions WHERE endpoint > e.endpoint) FROM e WHERE e.endpoint IS NOT NULL)
      SELECT endpoint FROM e WHERE endpoint IS NOT NULL`);
    // Sorted by key: each page of a key table is visited once per catch-up, not once per row.
    // OR IGNORE: another connection may have indexed the same rows first.
    this.catchUpStatements = {
      watermark: db.prepare<unknown[], { seq: number }>('SELECT seq FROM mon_lookup_watermark WHERE one = 1'),
      newest: db.prepare<unknown[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM mon_predictions'),
      requests: db.prepare(`INSERT OR IGNORE INTO mon_request_keys (request_key, seq)
        SELECT coalesce(request_key, lading_request_key(request_id, position)), seq FROM mon_predictions WHERE seq > ? AND seq <= ? AND request_id <> '' ORDER BY 1, 2`),
      texts: db.prepare(`INSERT OR IGNORE INTO mon_text_keys (text_key, at, seq)
        SELECT coalesce(text_key, lading_text_key(endpoint, text_sha256)), at, seq FROM mon_predictions
        WHERE seq > ? AND seq <= ? AND stream_id IN (SELECT stream_id FROM mon_streams WHERE role = 'primary') ORDER BY 1, 2, 3`),
      advance: db.prepare('UPDATE mon_lookup_watermark SET seq = ? WHERE one = 1 AND seq < ?'),
    };
    this.indexedUpTo = this.catchUpStatements.watermark.get()?.seq ?? 0;
    this.streamStatements = {
      all: db.prepare<unknown[], StreamRow>('SELECT stream_id, endpoint, variant, role, model, version, model_sha256 FROM mon_streams'),
      add: db.prepare('INSERT OR IGNORE INTO mon_streams (endpoint, variant, role, model, version, model_sha256) VALUES (?, ?, ?, ?, ?, ?)'),
      find: db.prepare<unknown[], { stream_id: number }>(`SELECT stream_id FROM mon_streams
        WHERE endpoint = ? AND variant = ? AND role = ? AND model = ? AND version = ? AND model_sha256 = ?`),
    };
    this.loadStreams();
  }

  private loadStreams(): void {
    for (const r of this.streamStatements.all.all()) {
      const stream: PredictionStream = { endpoint: r.endpoint, variant: r.variant, role: r.role as PredictionStream['role'],
        model: r.model, version: r.version, modelSha256: r.model_sha256 };
      this.streamIds.set(streamKey(stream), r.stream_id);
      this.streamsById.set(r.stream_id, stream);
    }
  }

  /** The stream of an id read from mon_predictions (an id this connection has not seen was added by another: reload). */
  private streamOf = (id: number): PredictionStream => {
    let s = this.streamsById.get(id);
    if (s === undefined) {
      this.loadStreams();
      s = this.streamsById.get(id);
      if (s === undefined) throw new Error(`mon_predictions names stream ${id}, which mon_streams does not hold`);
    }
    return s;
  };

  /**
   * The id of a row's stream, inside the append's transaction: a new stream is inserted (OR IGNORE:
   * another connection may have added it) and read back. `added` collects the keys this call put
   * in the Map, which the caller removes if the transaction rolls back.
   */
  private streamIdOf(r: LoggedPrediction, added: string[]): number {
    const key = streamKey(r);
    let id = this.streamIds.get(key);
    if (id === undefined) {
      const st = this.streamStatements;
      const parts = [r.endpoint, r.variant, r.role, r.model, r.version, r.modelSha256];
      st.add.run(...parts);
      id = st.find.get(...parts)!.stream_id;
      this.streamIds.set(key, id);
      this.streamsById.set(id, { endpoint: r.endpoint, variant: r.variant, role: r.role, model: r.model, version: r.version, modelSha256: r.modelSha256 });
      added.push(key);
    }
    return id;
  }

  async appendPredictions(rows: readonly LoggedPrediction[]): Promise<void> {
    checkPredictionRows(rows);
    if (rows.length === 0) return;
    const { insertMany, insertOne, params } = this;
    const added: string[] = [];
    // A batch is mostly runs of one stream: the Map is consulted only where the stream changes.
    let prev: LoggedPrediction | undefined;
    let prevId = 0;
    const idOf = (r: LoggedPrediction): number => {
      if (prev === undefined || prev.endpoint !== r.endpoint || prev.variant !== r.variant || prev.role !== r.role
        || prev.modelSha256 !== r.modelSha256 || prev.model !== r.model || prev.version !== r.version) {
        prevId = this.streamIdOf(r, added);
        prev = r;
      }
      return prevId;
    };
    let lastSeq: number;
    try {
      lastSeq = this.db.transaction(() => {
        let i = 0;
        let last = 0;
        for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) {
          for (let k = 0; k < ROWS_PER_INSERT; k++) {
            const r = rows[i + k]!;
            setRowParams(params, k * COLUMNS_PER_ROW, r, idOf(r));
          }
          last = Number(insertMany.run(params).lastInsertRowid);
        }
        const one = new Array<unknown>(COLUMNS_PER_ROW);
        for (; i < rows.length; i++) {
          const r = rows[i]!;
          setRowParams(one, 0, r, idOf(r));
          last = Number(insertOne.run(one).lastInsertRowid);
        }
        return last;
      }).immediate();
    } catch (e) {
      // The streams this batch inserted were rolled back with it: their ids may go to other streams.
      for (const key of added) {
        const id = this.streamIds.get(key);
        this.streamIds.delete(key);
        if (id !== undefined) this.streamsById.delete(id);
      }
      throw e;
    }
    if (lastSeq - this.indexedUpTo >= CATCH_UP_ROWS) {
      // The rows are committed: a failing catch-up (e.g. the write lock busy past busy_timeout)
      // must not reject this append, or the log writer would send the batch again and log it
      // twice. The next append or lookup catches up; a lookup reports the error if it persists.
      try { this.catchUpLookups(); } catch { /* see above */ }
    }
  }

  /**
   * Indexes the rows after the watermark in the key tables, in chunks of CATCH_UP_CHUNK rows, each
   * chunk and its watermark one transaction. Runs before every lookup (usually a few rows) and
   * from appends every CATCH_UP_ROWS rows.
   */
  private catchUpLookups(): void {
    const c = this.catchUpStatements;
    for (;;) {
      const done = this.db.transaction(() => {
        const from = c.watermark.get()?.seq ?? 0;
        const newest = c.newest.get()?.seq ?? 0;
        const to = Math.min(newest, from + CATCH_UP_CHUNK);
        if (to > from) {
          c.requests.run(from, to);
          c.texts.run(from, to);
          c.advance.run(to, to);
        }
        this.indexedUpTo = Math.max(from, to);
        return to >= newest;
      }).immediate();
      if (done) return;
    }
  }

  /**
   * Keyset pages like scanPredictions, but each page is one `.raw()` iteration whose row arrays go
   * straight into typed arrays (ColumnPageBuilder): no row object, no per-row Uint32Array, and
   * only the columns a columnar reader uses (no request id, no top-k; the stream as its id, turned
   * into the stream's strings once per stream by this.streamOf, not six strings a row). Each page's statement runs
   * to its LIMIT before the page is yielded, so no iterator stays open on the connection while the
   * caller works (an open one would make the log writer's next append fail: connection busy).
   */
  async *scanPredictionColumns(query: LogQuery, pageSize = DEFAULT_PAGE_SIZE): AsyncIterable<PredictionColumns> {
    const scan = this.scanStart(query, pageSize);
    if (scan === undefined) return;
    const { params, where } = scan;
    let { key, remaining } = scan;
    const first = this.prepared(`SELECT ${COLUMN_SCAN_COLUMNS_BY_STREAM_ID} FROM mon_predictions p WHERE ${where} ORDER BY at, seq LIMIT ?`).raw(true);
    const next = this.prepared(`SELECT ${COLUMN_SCAN_COLUMNS_BY_STREAM_ID} FROM mon_predictions p WHERE ${where} AND (at, seq) > (?, ?) ORDER BY at, seq LIMIT ?`).raw(true);
    const numbering = new StreamNumbering();
    while (remaining > 0) {
      const limit = Math.min(pageSize, remaining);
      const page = new ColumnPageBuilder(limit, numbering, this.streamOf);
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
    // CROSS JOIN: mon_predictions is read first, through (endpoint, at), in page order.
    const first = this.prepared<PredictionRow>(`SELECT ${JOINED_COLUMNS} FROM mon_predictions p CROSS JOIN mon_streams s ON s.stream_id = p.stream_id
      WHERE ${where} ORDER BY p.at, p.seq LIMIT ?`);
    const next = this.prepared<PredictionRow>(`SELECT ${JOINED_COLUMNS} FROM mon_predictions p CROSS JOIN mon_streams s ON s.stream_id = p.stream_id
      WHERE ${where} AND (p.at, p.seq) > (?, ?) ORDER BY p.at, p.seq LIMIT ?`);
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
    const where = sqliteLogWhere(query, params);
    const remaining = query.last ?? Infinity;
    if (remaining === 0) return undefined;
    let key: { at: number; seq: number } | undefined;
    if (query.last !== undefined) {
      // The oldest row of the newest `last`: the scan starts at it (inclusive, hence seq - 1).
      const start = this.prepared<{ at: number; seq: number }>(`SELECT at, seq FROM mon_predictions p WHERE ${where}
        ORDER BY at DESC, seq DESC LIMIT 1 OFFSET ?`).get(...params, query.last - 1);
      if (start !== undefined) key = { at: start.at, seq: start.seq - 1 };
    }
    return { params, where, key, remaining };
  }

  async countPredictions(query: LogQuery): Promise<number> {
    const params: unknown[] = [];
    const where = sqliteLogWhere(query, params);
    const n = this.prepared<{ n: number }>(`SELECT COUNT(*) AS n FROM mon_predictions p WHERE ${where}`).get(...params)?.n ?? 0;
    return query.last === undefined ? n : Math.min(n, query.last);
  }

  async findByRequestId(requestId: string, position = 0): Promise<StoredPrediction | undefined> {
    if (requestId === '') return undefined; // '' is "the caller sent no id": it names no request
    this.catchUpLookups();
    const row = this.byRequest.get(requestKey(requestId, position), requestId, position);
    return row === undefined ? undefined : toStoredPrediction(row);
  }

  async findLatestByText(endpoint: string, textSha256: string, before?: number): Promise<StoredPrediction | undefined> {
    this.catchUpLookups();
    const row = this.byText.get(textKey(endpoint, textSha256), before ?? Number.MAX_SAFE_INTEGER, endpoint, textSha256);
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
    if (removed > 0) {
      // Key entries of pruned rows: harmless (a lookup joins to the row, and a seq is never reused)
      // but dead weight. Those below the oldest kept row are most of them; the rest wait for later prunes.
      this.db.transaction(() => {
        const oldest = this.prepared<{ seq: number | null }>('SELECT MIN(seq) AS seq FROM mon_predictions').get()?.seq ?? Number.MAX_SAFE_INTEGER;
        this.prepared('DELETE FROM mon_request_keys WHERE seq < ?').run(oldest);
        this.prepared('DELETE FROM mon_text_keys WHERE seq < ?').run(oldest);
      }).immediate();
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

/** A stream's columns come from mon_streams (s), the rest from mon_predictions (p). */
const STREAM_COLUMNS = new Set(['variant', 'role', 'model', 'version', 'model_sha256']);
const JOINED_COLUMNS = PREDICTION_COLUMNS.split(', ').map((c) => `${STREAM_COLUMNS.has(c) ? 's' : 'p'}.${c}`).join(', ');

interface StreamRow { stream_id: number; endpoint: string; variant: string; role: string; model: string; version: string; model_sha256: string }

function streamKey(s: PredictionStream): string {
  return `${s.endpoint}\u0000${s.variant}\u0000${s.role}\u0000${s.modelSha256}\u0000${s.model}\u0000${s.version}`;
}

/**
 * logWhere (log-query.ts) on this schema: the row has endpoint and at, the other filters name
 * streams, so they become one `stream_id IN (...)` over mon_streams (evaluated once per statement
 * run; (endpoint, at) still drives the scan and its order). Columns are qualified with `p.` so
 * the clause also fits the queries that join mon_streams as `s`.
 */
function sqliteLogWhere(q: LogQuery, params: unknown[]): string {
  checkLogQuery(q);
  params.push(q.endpoint);
  const parts = ['p.endpoint = ?'];
  if (q.since !== undefined) { parts.push('p.at >= ?'); params.push(q.since); }
  if (q.until !== undefined) { parts.push('p.at < ?'); params.push(q.until); }
  const streams = ['endpoint = ?'];
  const streamParams: unknown[] = [q.endpoint];
  if (q.variant !== undefined) { streams.push('variant = ?'); streamParams.push(q.variant); }
  if (q.modelSha256 !== undefined) { streams.push('model_sha256 = ?'); streamParams.push(q.modelSha256); }
  const role = q.role ?? 'primary';
  if (role !== 'any') { streams.push('role = ?'); streamParams.push(role); }
  if (streamParams.length > 1) {
    parts.push(`p.stream_id IN (SELECT stream_id FROM mon_streams WHERE ${streams.join(' AND ')})`);
    params.push(...streamParams);
  }
  return parts.join(' AND ');
}

/** Writes one row's 20 INSERT parameters at `at` in `params` (INSERT_COLUMNS order). */
function setRowParams(params: unknown[], at: number, r: LoggedPrediction, streamId: number): void {
  const s = r.stats;
  params[at] = r.requestId; params[at + 1] = r.position; params[at + 2] = r.at; params[at + 3] = r.endpoint;
  params[at + 4] = streamId; params[at + 5] = r.text; params[at + 6] = r.textSha256; params[at + 7] = r.label;
  params[at + 8] = r.score; params[at + 9] = encodeTopLabels(r.topK); params[at + 10] = encodeTopScores(r.topK); params[at + 11] = r.latencyMs;
  params[at + 12] = s.chars; params[at + 13] = s.tokens; params[at + 14] = s.digits; params[at + 15] = s.upper;
  params[at + 16] = s.nonAscii; params[at + 17] = encodeTokenHashes(s.tokenHashes);
  params[at + 18] = r.requestId === '' ? null : requestKey(r.requestId, r.position);
  params[at + 19] = r.role === 'primary' ? textKey(r.endpoint, r.textSha256) : null;
}
