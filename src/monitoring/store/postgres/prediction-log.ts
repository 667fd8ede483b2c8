import type pg from 'pg';
import { rowsOfColumns, type LoggedColumns } from '../../log/batch-columns.js';
import type { LoggedPrediction, StoredPrediction } from '../../log/logged-prediction.js';
import { checkPredictionRows } from '../check-records.js';
import { checkLogQuery, checkPageSize, checkRetention, DEFAULT_PAGE_SIZE, logWhere } from '../log-query.js';
import { ColumnPageBuilder, COLUMN_SCAN_COLUMNS, StreamNumbering, type PredictionColumns } from '../prediction-columns.js';
import type { LogQuery, PredictionLogStore, RetentionPolicy } from '../monitoring-store.js';
import { encodeTokenHashes, encodeTopLabels, encodeTopScores } from '../prediction-codec.js';
import { PREDICTION_COLUMNS, toStoredPrediction, type PredictionRow } from '../row-mapping.js';
import { inMonitoringTransaction } from './connection.js';

/** Rows one pruning DELETE removes: each is its own commit, so the writer never waits long for row locks. */
export const PRUNE_CHUNK = 5_000;

const INSERT_COLUMNS = 'request_id, position, at, endpoint, variant, role, model, version, model_sha256, text, text_sha256, label, score, top_labels, top_scores, latency_ms, chars, tokens, digits, upper, non_ascii, token_hashes, features, answered';
/** The shared row columns plus the entity features (migration 3) and answered code (migration 5), which SQLite keeps in its segments instead. */
const ROW_COLUMNS = `${PREDICTION_COLUMNS}, features, answered`;
/**
 * A batch goes in as one COPY FROM STDIN in text format, built here as one string: the server parses
 * plain tab-separated lines instead of 22 array literals (the unnest() INSERT this replaced spent
 * most of its time there and in the driver's array escaping). Measured with the old string indexes,
 * 100k rows in 1,000-row batches on the loaded 2-core box: see the commit introducing it.
 */
const COPY_SQL = `COPY mon_predictions (${INSERT_COLUMNS}) FROM STDIN`;

/** COPY text format: backslash, tab, newline and carriage return are escaped; everything else goes as is (UTF-8). */
const NEEDS_ESCAPE = /[\\\t\n\r]/;
function copyText(v: string): string {
  return NEEDS_ESCAPE.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : v;
}
/** bytea as hex input (\x...), its backslash escaped for COPY. */
function copyBytes(b: Buffer): string {
  return `\\\\x${b.toString('hex')}`;
}

function copyLines(rows: readonly LoggedPrediction[]): Buffer {
  let out = '';
  for (const r of rows) {
    const s = r.stats;
    out += `${copyText(r.requestId)}\t${r.position}\t${r.at}\t${copyText(r.endpoint)}\t${copyText(r.variant)}\t${r.role}\t${copyText(r.model)}\t${copyText(r.version)}\t${copyText(r.modelSha256)}\t${r.text === null ? '\\N' : copyText(r.text)}\t${copyText(r.textSha256)}\t${copyText(r.label)}\t${r.score}\t${copyText(encodeTopLabels(r.topK))}\t${copyBytes(encodeTopScores(r.topK))}\t${r.latencyMs}\t${s.chars}\t${s.tokens}\t${s.digits}\t${s.upper}\t${s.nonAscii}\t${copyBytes(encodeTokenHashes(s.tokenHashes))}\t${r.features === undefined ? '\\N' : copyText(JSON.stringify(r.features))}\t${r.answered === undefined ? '\\N' : copyText(r.answered)}\n`;
  }
  return Buffer.from(out, 'utf8');
}

/** The driver's connection methods a COPY FROM STDIN uses (pg-copy-streams uses the same; not in @types/pg). */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/**
 * COPY ... FROM STDIN of one prepared buffer, as a pg Submittable (the protocol pg-copy-streams
 * speaks, without adding it: the data is one buffer, so no stream is needed). Resolves with the
 * rows copied once the server is ready for the next query; rejects with the server's error.
 */
class CopyFromBuffer implements pg.Submittable {
  readonly done: Promise<number>;
  private settle!: { resolve: (n: number) => void; reject: (e: Error) => void };
  private rows = 0;

  constructor(private readonly sql: string, private readonly data: Buffer) {
    this.done = new Promise<number>((resolve, reject) => { this.settle = { resolve, reject }; });
  }

  submit(connection: pg.Connection): void {
    (connection as unknown as CopyConnection).query(this.sql);
  }

  handleCopyInResponse(connection: pg.Connection): void {
    const c = connection as unknown as CopyConnection;
    c.sendCopyFromChunk(this.data);
    c.endCopyFrom();
  }

  handleCommandComplete(msg: { text?: string }): void {
    this.rows = Number(/COPY (\d+)/.exec(msg.text ?? '')?.[1] ?? 0);
  }

  handleReadyForQuery(): void {
    this.settle.resolve(this.rows);
  }

  handleError(error: Error): void {
    this.settle.reject(error);
  }

  // Messages a COPY FROM does not produce; the client calls them on whatever query is active.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

// The expressions of the lookup indexes (migration 2) and their partial-index conditions, then the full values.
const byRequestSql = `SELECT ${ROW_COLUMNS} FROM mon_predictions
  WHERE hashtextextended(request_id, position) = hashtextextended($1::text, $2::int8) AND request_id <> '' AND request_id = $1 AND position = $2
  ORDER BY (role = 'primary') DESC, seq DESC LIMIT 1`;
const byTextSql = `SELECT ${ROW_COLUMNS} FROM mon_predictions
  WHERE hashtextextended(endpoint || '/' || text_sha256, 0) = hashtextextended($1::text || '/' || $2::text, 0) AND role = 'primary'
    AND at <= $3 AND endpoint = $1 AND text_sha256 = $2
  ORDER BY hashtextextended(endpoint || '/' || text_sha256, 0) DESC, at DESC, seq DESC LIMIT 1`;
// Loose index scan: one index seek per distinct endpoint, not a pass over every row.
const endpointsSql = `WITH RECURSIVE e(endpoint) AS (
  SELECT MIN(endpoint) FROM mon_predictions
  UNION ALL SELECT (SELECT MIN(endpoint) FROM mon_predictions WHERE endpoint > e.endpoint) FROM e WHERE e.endpoint IS NOT NULL)
  SELECT endpoint FROM e WHERE endpoint IS NOT NULL`;

/**
 * The prediction log in `mon_predictions`. Appends are one transaction of one multi-row INSERT
 * (see INSERT_SQL) with synchronous_commit off for that transaction only: like the SQLite adapter's
 * synchronous=NORMAL, a crash of the server may lose the last few hundred milliseconds of log but
 * never half a batch, and the log writer does not wait for a WAL flush per batch. Feedback does wait
 * (feedback-store.ts). Pages are keyset pages on (at, seq) through the (endpoint, at, seq) index,
 * so page 100 costs what page 1 does; OFFSET would re-read every skipped row.
 */
export class PgPredictionLog implements PredictionLogStore {
  constructor(private readonly pool: pg.Pool) {}

  /** COPY takes text lines made from rows, so the columns become rows here (no column path yet). */
  appendColumns(cols: LoggedColumns): Promise<void> {
    return this.appendPredictions(rowsOfColumns(cols));
  }

  async appendPredictions(rows: readonly LoggedPrediction[]): Promise<void> {
    checkPredictionRows(rows);
    if (rows.length === 0) return;
    const data = copyLines(rows);
    await inMonitoringTransaction(this.pool, async (client) => {
      await client.query('SET LOCAL synchronous_commit = off');
      const copied = await client.query(new CopyFromBuffer(COPY_SQL, data)).done;
      if (copied !== rows.length) throw new Error(`prediction log: COPY stored ${copied} of ${rows.length} rows`);
    });
  }

  /**
   * Keyset pages like scanPredictions, each one query with rowMode 'array' (the driver hands over
   * value arrays, no object with named fields per row) whose rows go straight into typed arrays
   * (ColumnPageBuilder), with only the columns a columnar reader uses (no request id, no top-k).
   */
  async *scanPredictionColumns(query: LogQuery, pageSize = DEFAULT_PAGE_SIZE): AsyncIterable<PredictionColumns> {
    const scan = await this.scanStart(query, pageSize);
    if (scan === undefined) return;
    const { params, where } = scan;
    const k = params.length;
    let { key, remaining } = scan;
    const first = `SELECT ${COLUMN_SCAN_COLUMNS} FROM mon_predictions WHERE ${where} ORDER BY at, seq LIMIT $${k + 1}`;
    const next = `SELECT ${COLUMN_SCAN_COLUMNS} FROM mon_predictions WHERE ${where} AND (at, seq) > ($${k + 1}, $${k + 2}) ORDER BY at, seq LIMIT $${k + 3}`;
    const numbering = new StreamNumbering();
    while (remaining > 0) {
      const limit = Math.min(pageSize, remaining);
      const { rows } = await inOrderedIndexScan(this.pool, (client) => client.query<unknown[]>({
        text: key === undefined ? first : next,
        values: key === undefined ? [...params, limit] : [...params, key.at, key.seq, limit],
        rowMode: 'array',
      }));
      if (rows.length === 0) return;
      const page = new ColumnPageBuilder(rows.length, numbering);
      for (let i = 0; i < rows.length; i++) page.add(rows[i]!);
      key = page.lastKey();
      remaining -= rows.length;
      yield page.build();
      if (rows.length < limit) return;
    }
  }

  async *scanPredictions(query: LogQuery, pageSize = DEFAULT_PAGE_SIZE): AsyncIterable<readonly StoredPrediction[]> {
    const scan = await this.scanStart(query, pageSize);
    if (scan === undefined) return;
    const { params, where } = scan;
    const k = params.length;
    let { key, remaining } = scan;
    const first = `SELECT ${ROW_COLUMNS} FROM mon_predictions WHERE ${where} ORDER BY at, seq LIMIT $${k + 1}`;
    const next = `SELECT ${ROW_COLUMNS} FROM mon_predictions WHERE ${where} AND (at, seq) > ($${k + 1}, $${k + 2}) ORDER BY at, seq LIMIT $${k + 3}`;
    while (remaining > 0) {
      const limit = Math.min(pageSize, remaining);
      const { rows } = await inOrderedIndexScan(this.pool, (client) => (key === undefined
        ? client.query<PredictionRow>(first, [...params, limit])
        : client.query<PredictionRow>(next, [...params, key.at, key.seq, limit])));
      if (rows.length === 0) return;
      const last = rows[rows.length - 1]!;
      key = { at: Number(last.at), seq: Number(last.seq) };
      remaining -= rows.length;
      yield rows.map(toStoredPrediction);
      if (rows.length < limit) return;
    }
  }

  /** The WHERE clause of a scan and where it starts: after the key before the oldest of the newest `last`, or at the beginning. Undefined: nothing to scan. */
  private async scanStart(query: LogQuery, pageSize: number): Promise<{ params: unknown[]; where: string; key: { at: number; seq: number } | undefined; remaining: number } | undefined> {
    checkLogQuery(query);
    checkPageSize(pageSize);
    const params: unknown[] = [];
    const where = logWhere(query, (v) => { params.push(v); return `$${params.length}`; });
    const remaining = query.last ?? Infinity;
    if (remaining === 0) return undefined;
    let key: { at: number; seq: number } | undefined;
    if (query.last !== undefined) {
      // The oldest row of the newest `last`: the scan starts at it (inclusive, hence seq - 1).
      const start = await this.pool.query<{ at: string; seq: string }>(`SELECT at, seq FROM mon_predictions WHERE ${where}
        ORDER BY at DESC, seq DESC LIMIT 1 OFFSET $${params.length + 1}`, [...params, query.last - 1]);
      const s = start.rows[0];
      if (s !== undefined) key = { at: Number(s.at), seq: Number(s.seq) - 1 };
    }
    return { params, where, key, remaining };
  }

  async countPredictions(query: LogQuery): Promise<number> {
    const params: unknown[] = [];
    const where = logWhere(query, (v) => { params.push(v); return `$${params.length}`; });
    const r = await this.pool.query<{ n: string }>(`SELECT COUNT(*) AS n FROM mon_predictions WHERE ${where}`, params);
    const n = Number(r.rows[0]?.n ?? 0);
    return query.last === undefined ? n : Math.min(n, query.last);
  }

  async findByRequestId(requestId: string, position = 0): Promise<StoredPrediction | undefined> {
    if (requestId === '') return undefined; // '' is "the caller sent no id": it names no request
    const row = (await this.pool.query<PredictionRow>(byRequestSql, [requestId, position])).rows[0];
    return row === undefined ? undefined : toStoredPrediction(row);
  }

  async findLatestByText(endpoint: string, textSha256: string, before?: number): Promise<StoredPrediction | undefined> {
    const row = (await this.pool.query<PredictionRow>(byTextSql, [endpoint, textSha256, before ?? Number.MAX_SAFE_INTEGER])).rows[0];
    return row === undefined ? undefined : toStoredPrediction(row);
  }

  async listLoggedEndpoints(): Promise<Array<{ endpoint: string; rows: number; first: number; last: number }>> {
    const out: Array<{ endpoint: string; rows: number; first: number; last: number }> = [];
    for (const { endpoint } of (await this.pool.query<{ endpoint: string }>(endpointsSql)).rows) {
      const span = (await this.pool.query<{ rows: string; first: string; last: string }>(
        'SELECT COUNT(*) AS rows, MIN(at) AS first, MAX(at) AS last FROM mon_predictions WHERE endpoint = $1', [endpoint])).rows[0]!;
      out.push({ endpoint, rows: Number(span.rows), first: Number(span.first), last: Number(span.last) });
    }
    return out;
  }

  /**
   * Age first (per endpoint, through the (endpoint, at, seq) index), then rows beyond maxRows,
   * oldest seq first. Each chunk of PRUNE_CHUNK rows is its own commit, so the log writer and
   * readers never wait for the whole purge.
   */
  async prunePredictions(policy: RetentionPolicy): Promise<number> {
    checkRetention(policy);
    let removed = 0;
    if (policy.maxAgeMs !== undefined) {
      const cutoff = policy.now - policy.maxAgeMs;
      for (const { endpoint } of (await this.pool.query<{ endpoint: string }>(endpointsSql)).rows) {
        for (;;) {
          const n = (await this.pool.query(`DELETE FROM mon_predictions WHERE seq IN
            (SELECT seq FROM mon_predictions WHERE endpoint = $1 AND at < $2 LIMIT ${PRUNE_CHUNK})`, [endpoint, Math.floor(cutoff)])).rowCount ?? 0;
          removed += n;
          if (n < PRUNE_CHUNK) break;
        }
      }
    }
    if (policy.maxRows !== undefined) {
      let excess = Number((await this.pool.query<{ n: string }>('SELECT COUNT(*) AS n FROM mon_predictions')).rows[0]?.n ?? 0) - policy.maxRows;
      while (excess > 0) {
        const n = (await this.pool.query('DELETE FROM mon_predictions WHERE seq IN (SELECT seq FROM mon_predictions ORDER BY seq LIMIT $1)',
          [Math.min(excess, PRUNE_CHUNK)])).rowCount ?? 0;
        if (n === 0) break;
        removed += n;
        excess -= n;
      }
    }
    return removed;
  }
}

/**
 * Runs one keyset page query with bitmap and sequential scans off for its transaction, so it is
 * always an ordered walk of (endpoint, at, seq) that stops after LIMIT rows. Without fresh
 * statistics (a table loaded faster than autovacuum analyzes it) the planner guesses the default
 * 500 rows for `(at, seq) > (...)`, picks a bitmap scan of every row after the key plus a sort,
 * and each page costs the whole rest of the table: measured on 300k unanalyzed rows, 935 ms a
 * 10,000-row page that way against 18 ms as an index scan (what it picks after ANALYZE).
 */
async function inOrderedIndexScan<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return inMonitoringTransaction(pool, async (client) => {
    await client.query('SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off');
    return fn(client);
  });
}
