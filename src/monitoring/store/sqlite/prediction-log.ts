import type Database from 'better-sqlite3';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { LoggedPrediction, StoredPrediction } from '../../log/logged-prediction.js';
import type { LoggedColumns } from '../../log/batch-columns.js';
import { checkLoggedColumns, checkPredictionRows } from '../check-records.js';
import { checkLogQuery, checkPageSize, checkRetention, DEFAULT_PAGE_SIZE } from '../log-query.js';
import { ColumnPageBuilder, StreamNumbering, type PredictionColumns, type PredictionStream } from '../prediction-columns.js';
import type { LogQuery, PredictionLogStore, RetentionPolicy } from '../monitoring-store.js';
import { requestKey, textKey } from '../lookup-keys.js';
import { PREDICTION_COLUMNS, toStoredPrediction, type PredictionRow } from '../row-mapping.js';
import { decodeSegment, encodeColumnsSegmentWithKeys, encodeSegmentWithKeys, firstAtOrAfter, type EncodedSegment, segmentOfStoredRows, storedPredictionOf, type SegmentRows } from './log-segment.js';
import { KeyRuns, LOOKUP_MERGE_TUPLES, newestFirst, PagedSource, REQUEST_KEYS, RUNS_BEFORE_MERGE, TEXT_KEYS } from './key-runs.js';
import { formatStreamCounts, MergedRows, rangeOf, streamCounts, type RowFilter, type SegmentMeta } from './segment-scan.js';

/** Rows one pruning DELETE of old-format rows removes: small enough that each commit holds the write lock for milliseconds. */
export const PRUNE_CHUNK = 5_000;

/** Segments one pruning transaction deletes or trims. */
const PRUNE_SEGMENTS = 64;

/**
 * Rows appended since the last lookup catch-up that make an append run one. Larger chunks rewrite
 * the lookup tables' pages less often per row but pause the appending thread (the log writer's own
 * thread) longer once in a while; a lookup catches up what is left (at most this many rows) on its
 * caller's thread. Measured with row-format appends, 1M rows in 1,000-row batches, loaded 2-core
 * box, one run each: 50,000: 20 catch-ups, 8.7 s of 33.5 s wall; 100,000: 10 catch-ups, 6.2 s of
 * 21.4 s; 200,000: 5 catch-ups, 5.3 s of 20.0 s (about 1 s a pause).
 */
export const CATCH_UP_ROWS = 100_000;

/** Rows one catch-up transaction indexes at most (the first catch-up of an upgraded file may have millions). */
const CATCH_UP_CHUNK = 200_000;

/** Candidates of a text key read from the B-tree per statement run (most lookups need the first). */
const TEXT_PAGE = 64;

/** Old-format rows a scan reads per statement run. */
const OLD_CHUNK = 4096;

/**
 * Rows of decoded segments the lookups keep. Labels arrive in any order, so a file of 4,000 labels
 * over a day's answers touches many segments; with 4 segments cached, and each lookup reading its
 * segment's BLOB before looking in the cache, `feedback import` spent 4.5 ms per label (4,000 labels
 * over 30,000 answers: 18 s, most in the BLOB copies and their garbage collection).
 */
const SEGMENT_CACHE_ROWS = 200_000;

/**
 * The prediction log in its own SQLite file. An append writes one mon_segments row per endpoint
 * (migration 4): the batch's rows as columns in one BLOB (log-segment.ts), sorted by time, with
 * consecutive seqs. Rows written before migration 4 stay in mon_predictions (one row each) and
 * every read merges both in (at, seq) order (segment-scan.ts), so an upgraded log is never
 * rewritten at startup.
 *
 * The request and text lookups go through integer keys (store/lookup-keys.ts) that a catch-up
 * indexes every CATCH_UP_ROWS appended rows and before every lookup, so a lookup always sees every
 * committed row; a key names a seq, and the seq a row of mon_predictions or of the segment holding
 * it. Segment rows' keys go into sorted runs (key-runs.ts, migration 7), which the appending thread
 * merges now and then; old-format rows' keys, and those indexed before migration 7, are in two
 * B-trees (migration 2). A lookup reads both.
 */
export class SqlitePredictionLog implements PredictionLogStore {
  private readonly st;
  private readonly statements = new Map<string, Database.Statement<unknown[], unknown>>();
  /** This connection's idea of the lookup watermark: only decides when an append runs a catch-up (which reads the real one). */
  private indexedUpTo: number;
  /**
   * mon_streams as this connection knows it (a stream's id never changes: streams are never
   * deleted). Appends find a row's id here; another connection's new streams are read on a miss.
   */
  private readonly streamIds = new Map<string, number>();
  private readonly streamsById = new Map<number, PredictionStream>();
  private readonly segmentCache = new Map<number, SegmentRows>();
  private cachedRows = 0;
  /**
   * The key columns of the segments this connection appended since its last catch-up, when they
   * follow on from the watermark with no other writer's rows between: a catch-up indexes them from
   * here instead of reading its own segments back (that read and its decoding were half of a
   * catch-up). Anything else (another connection's rows, a prune) and the catch-up reads the file.
   */
  private pending: PendingKeys | undefined;
  private readonly runs: KeyRuns;

  constructor(private readonly db: Database.Database) {
    this.runs = new KeyRuns(db);
    this.st = {
      nextSeq: db.prepare<unknown[], { seq: number }>('SELECT seq FROM mon_next_seq WHERE one = 1'),
      setNextSeq: db.prepare('UPDATE mon_next_seq SET seq = ? WHERE one = 1'),
      insertSegment: db.prepare('INSERT INTO mon_segments (seq, endpoint, rows, skip, min_at, max_at, streams, data) VALUES (?, ?, ?, 0, ?, ?, ?, ?)'),
      // The segment holding a seq: the one starting at or before it (then checked against rows and skip).
      // No BLOB here: the decoded segment is usually cached; its data is read only on a miss.
      segmentOf: db.prepare<unknown[], SegmentRow>('SELECT seq, endpoint, rows, skip FROM mon_segments WHERE seq <= ? ORDER BY seq DESC LIMIT 1'),
      segmentData: db.prepare<unknown[], { skip: number; data: Buffer }>('SELECT skip, data FROM mon_segments WHERE seq = ?'),
      oldRow: db.prepare<unknown[], PredictionRow>(`SELECT ${JOINED_COLUMNS} FROM mon_predictions p CROSS JOIN mon_streams s ON s.stream_id = p.stream_id WHERE p.seq = ?`),
      // Primary before shadow is decided on the rows; newest first.
      requestCandidates: db.prepare<unknown[], { seq: number }>('SELECT seq FROM mon_request_keys WHERE request_key = ? ORDER BY seq DESC'),
      textCandidates: db.prepare<unknown[], { seq: number; at: number }>(`SELECT seq, at FROM mon_text_keys
        WHERE text_key = ? AND (at, seq) < (?, ?) ORDER BY at DESC, seq DESC LIMIT ${TEXT_PAGE}`),
      // Loose index scan: one index seek per distinct endpoint, not a pass over every row.
      oldEndpoints: db.prepare<unknown[], { endpoint: string }>(`WITH RECURSIVE e(endpoint) AS (
        SELECT MIN(endpoint) FROM mon_predictions
        UNION ALL SELECT (SELECT MIN(endpoint) FROM mon_predictions WHERE endpoint > e.endpoint) FROM e WHERE e.endpoint IS NOT NULL)
        SELECT endpoint FROM e WHERE endpoint IS NOT NULL`),
      segmentSpans: db.prepare<unknown[], { endpoint: string; rows: number; first: number; last: number }>(
        'SELECT endpoint, SUM(rows - skip) AS rows, MIN(min_at) AS first, MAX(max_at) AS last FROM mon_segments GROUP BY endpoint'),
      metas: db.prepare<unknown[], MetaRow>(`SELECT seq, rows, skip, min_at, max_at, streams FROM mon_segments
        WHERE endpoint = ? AND max_at >= ? AND min_at < ?`),
    };
    // Old-format rows only (segment rows go to runs). Sorted by key: each page of a key table is
    // visited once per catch-up, not once per row. OR IGNORE: another connection may have indexed
    // the same rows first.
    this.catchUp = {
      watermark: db.prepare<unknown[], { seq: number }>('SELECT seq FROM mon_lookup_watermark WHERE one = 1'),
      oldRequests: db.prepare(`INSERT OR IGNORE INTO mon_request_keys (request_key, seq)
        SELECT coalesce(request_key, lading_request_key(request_id, position)), seq FROM mon_predictions WHERE seq > ? AND seq <= ? AND request_id <> '' ORDER BY 1, 2`),
      oldTexts: db.prepare(`INSERT OR IGNORE INTO mon_text_keys (text_key, at, seq)
        SELECT coalesce(text_key, lading_text_key(endpoint, text_sha256)), at, seq FROM mon_predictions
        WHERE seq > ? AND seq <= ? AND stream_id IN (SELECT stream_id FROM mon_streams WHERE role = 'primary') ORDER BY 1, 2, 3`),
      segments: db.prepare<unknown[], { seq: number; rows: number; skip: number; data: Buffer }>(`SELECT seq, rows, skip, data FROM mon_segments
        WHERE seq >= coalesce((SELECT MAX(seq) FROM mon_segments WHERE seq <= ?), 0) AND seq <= ? ORDER BY seq`),
      // ORDER BY the column, not the sum: the segments' primary key gives the first row at once.
      oldestSegmentRow: db.prepare<unknown[], { first: number }>('SELECT seq + skip AS first FROM mon_segments ORDER BY seq LIMIT 1'),
      oldestOldRow: db.prepare<unknown[], { seq: number | null }>('SELECT MIN(seq) AS seq FROM mon_predictions'),
      advance: db.prepare('UPDATE mon_lookup_watermark SET seq = ? WHERE one = 1 AND seq < ?'),
    };
    this.indexedUpTo = this.catchUp.watermark.get()?.seq ?? 0;
    this.streamStatements = {
      all: db.prepare<unknown[], StreamRow>('SELECT stream_id, endpoint, variant, role, model, version, model_sha256 FROM mon_streams'),
      add: db.prepare('INSERT OR IGNORE INTO mon_streams (endpoint, variant, role, model, version, model_sha256) VALUES (?, ?, ?, ?, ?, ?)'),
      find: db.prepare<unknown[], { stream_id: number }>(`SELECT stream_id FROM mon_streams
        WHERE endpoint = ? AND variant = ? AND role = ? AND model = ? AND version = ? AND model_sha256 = ?`),
    };
    this.loadStreams();
  }

  private readonly catchUp;
  private readonly streamStatements;

  private loadStreams(): void {
    for (const r of this.streamStatements.all.all()) {
      const stream: PredictionStream = { endpoint: r.endpoint, variant: r.variant, role: r.role as PredictionStream['role'],
        model: r.model, version: r.version, modelSha256: r.model_sha256 };
      this.streamIds.set(streamKey(stream), r.stream_id);
      this.streamsById.set(r.stream_id, stream);
    }
  }

  /** The stream of an id read from the log (an id this connection has not seen was added by another: reload). */
  private streamOf = (id: number): PredictionStream => {
    let s = this.streamsById.get(id);
    if (s === undefined) {
      this.loadStreams();
      s = this.streamsById.get(id);
      if (s === undefined) throw new Error(`the prediction log names stream ${id}, which mon_streams does not hold`);
    }
    return s;
  };

  /**
   * The id of a row's stream, inside the append's transaction: a new stream is inserted (OR IGNORE:
   * another connection may have added it) and read back. `added` collects the keys this call put
   * in the Map, which the caller removes if the transaction rolls back.
   */
  private streamIdOf(r: PredictionStream, added: string[]): number {
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
    const byEndpoint = new Map<string, number[]>();
    for (let i = 0; i < rows.length; i++) {
      const e = rows[i]!.endpoint;
      const list = byEndpoint.get(e);
      if (list === undefined) byEndpoint.set(e, [i]); else list.push(i);
    }
    this.appendSegments((insert, added) => {
      for (const [endpoint, order] of byEndpoint) {
        sortByTime((i) => rows[i]!.at, order);
        const n = order.length;
        const streams = new Int32Array(n);
        // A batch is mostly runs of one stream: the Map is consulted only where the stream changes.
        let prev: LoggedPrediction | undefined;
        let prevId = 0;
        for (let k = 0; k < n; k++) {
          const r = rows[order[k]!]!;
          if (prev === undefined || prev.variant !== r.variant || prev.role !== r.role || prev.modelSha256 !== r.modelSha256
            || prev.model !== r.model || prev.version !== r.version) {
            prevId = this.streamIdOf(r, added);
            prev = r;
          }
          streams[k] = prevId;
        }
        insert(endpoint, n, rows[order[0]!]!.at, rows[order[n - 1]!]!.at, streams, encodeSegmentWithKeys(rows, order, streams));
      }
    });
  }

  /**
   * appendPredictions for the log writer's columns (log/batch-columns.ts): the same segments,
   * without a row object per text. The rows come from the server's own batch, so they are checked
   * per call and per key (times, latencies, label lists), not field by field per row.
   */
  async appendColumns(cols: LoggedColumns): Promise<void> {
    checkLoggedColumns(cols);
    if (cols.rows === 0) return;
    const { batch } = cols;
    const byEndpoint = new Map<string, number[]>();
    let prevKey = -1;
    let list: number[] = [];
    for (let r = 0; r < cols.rows; r++) {
      const k = cols.key[r]!;
      if (k !== prevKey) {
        const e = batch.keys[k]!.endpoint;
        const found = byEndpoint.get(e);
        if (found === undefined) byEndpoint.set(e, list = []); else list = found;
        prevKey = k;
      }
      list.push(r);
    }
    const atOf = (r: number) => batch.callAt[cols.call[r]!]!;
    this.appendSegments((insert, added) => {
      const keyStreams = new Int32Array(batch.keys.length).fill(-1);
      for (const [endpoint, order] of byEndpoint) {
        sortByTime(atOf, order);
        const n = order.length;
        const streams = new Int32Array(n);
        for (let k = 0; k < n; k++) {
          const key = cols.key[order[k]!]!;
          if (keyStreams[key]! < 0) keyStreams[key] = this.streamIdOf(batch.keys[key]!, added);
          streams[k] = keyStreams[key]!;
        }
        insert(endpoint, n, atOf(order[0]!), atOf(order[n - 1]!), streams, encodeColumnsSegmentWithKeys(cols, order, streams));
      }
    });
  }

  /**
   * One append's transaction: `write` inserts a segment per endpoint through `insert`, which gives
   * each its seqs. On a rollback the streams the append added (`added`) are forgotten again; once
   * committed, the lookups catch up every CATCH_UP_ROWS rows.
   */
  private appendSegments(write: (insert: SegmentInsert, added: string[]) => void): void {
    const added: string[] = [];
    const written: PendingKeys['segments'] = [];
    let lastSeq: number;
    try {
      lastSeq = this.db.transaction(() => {
        let seq = this.st.nextSeq.get()!.seq;
        write((endpoint, n, firstAt, lastAt, streams, segment) => {
          this.st.insertSegment.run(seq, endpoint, n, firstAt, lastAt, formatStreamCounts(streams, 0, n), segment.blob);
          // The encoder's own key columns: nothing else holds them, so they are kept, not copied.
          written.push({ seq0: seq, at: segment.at, requestKey: segment.requestKey, textKey: segment.textKey });
          seq += n;
        }, added);
        this.st.setNextSeq.run(seq);
        return seq - 1;
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
    const first = written[0]?.seq0;
    if (first !== undefined) {
      if (this.pending === undefined || this.pending.next !== first) this.pending = { first, next: first, segments: [] };
      this.pending.segments.push(...written);
      this.pending.next = lastSeq + 1;
    }
    // The rows are committed: a failing catch-up or merge (e.g. the write lock busy past
    // busy_timeout) must not reject this append, or the log writer would send the batch again and
    // log it twice. The next append or lookup catches up; a lookup reports the error if it persists.
    try {
      if (lastSeq - this.indexedUpTo >= CATCH_UP_ROWS) {
        this.catchUpLookups(false);
        this.compactLookups();
      } else if (this.runs.count() > RUNS_BEFORE_MERGE) {
        // Lookups between appends (labels arriving one by one) each left a small run.
        this.compactLookups();
      }
    } catch { /* see above */ }
  }

  /**
   * Indexes the rows after the watermark in the key tables, in chunks of CATCH_UP_CHUNK seqs, each
   * chunk and its watermark one transaction. Runs before every lookup (usually a few rows) and
   * from appends every CATCH_UP_ROWS rows. `mergeSmall`: merge the small runs after (a lookup); an
   * append passes false, since it merges every due run itself right after.
   */
  private catchUpLookups(mergeSmall = true): void {
    const c = this.catchUp;
    let wrote = false;
    for (;;) {
      const done = this.db.transaction(() => {
        const from = c.watermark.get()?.seq ?? 0;
        const newest = this.st.nextSeq.get()!.seq - 1;
        const to = Math.min(newest, from + CATCH_UP_CHUNK);
        if (to > from) {
          c.oldRequests.run(from, to);
          c.oldTexts.run(from, to);
          const pending = this.pending;
          // Only this connection's rows since the watermark: index them from memory (see `pending`).
          if (pending !== undefined && pending.first === from + 1 && pending.next === newest + 1 && to === newest) this.indexKeys(pending.segments, from, to);
          else this.indexSegments(from, to);
          this.pending = undefined;
          c.advance.run(to, to);
          wrote = true;
        }
        this.indexedUpTo = Math.max(from, to);
        return to >= newest;
      }).immediate();
      if (done) break;
    }
    // A lookup's run is small: merge small runs now (a few ms at most), so that labels arriving one
    // by one, each catching up a few rows, do not pile up runs that every later lookup must probe.
    // Only an optimisation: if the lock is busy past busy_timeout, the next catch-up merges them.
    if (wrote && mergeSmall) {
      try { this.compactLookups(LOOKUP_MERGE_TUPLES); } catch { /* see above */ }
    }
  }

  /** The key entries of the segment rows with seq in (from, to], read from the file (see indexKeys). */
  private indexSegments(from: number, to: number): void {
    const segments: PendingKeys['segments'] = [];
    for (const s of this.catchUp.segments.all(from + 1, to)) {
      const seg = decodeSegment(s.seq, s.data);
      // Rows before `skip` were pruned: their keys stay out.
      const start = s.skip;
      segments.push({ seq0: s.seq + start, at: seg.at.subarray(start), requestKey: seg.requestKey.subarray(start), textKey: seg.textKey.subarray(start) });
    }
    this.indexKeys(segments, from, to);
  }

  /**
   * Writes the key tuples of the segment rows with seq in (from, to] as one run per kind. A
   * segment holds text keys of primary rows only (encodeSegment); NaN is no key.
   */
  private indexKeys(segments: PendingKeys['segments'], from: number, to: number): void {
    let rows = 0;
    for (const s of segments) rows += Math.max(0, Math.min(s.at.length, to + 1 - s.seq0) - Math.max(0, from + 1 - s.seq0));
    const requests = new Float64Array(rows * 3);
    const texts = new Float64Array(rows * 3);
    let r = 0;
    let t = 0;
    for (const s of segments) {
      const end = Math.min(s.at.length, to + 1 - s.seq0);
      for (let i = Math.max(0, from + 1 - s.seq0); i < end; i++) {
        const seq = s.seq0 + i;
        const rk = s.requestKey[i]!;
        if (!Number.isNaN(rk)) { requests[r] = rk; requests[r + 2] = seq; r += 3; }
        const tk = s.textKey[i]!;
        if (!Number.isNaN(tk)) { texts[t] = tk; texts[t + 1] = s.at[i]!; texts[t + 2] = seq; t += 3; }
      }
    }
    this.runs.write(REQUEST_KEYS, requests.subarray(0, r));
    this.runs.write(TEXT_KEYS, texts.subarray(0, t));
  }

  /**
   * Merges the key runs a level holds too many of (key-runs.ts), in a transaction of its own after
   * the catch-up's. A lookup passes maxTuples (small runs only: a label never waits long on a
   * merge); the appending thread merges whatever is due.
   */
  private compactLookups(maxTuples = Infinity): void {
    this.db.transaction(() => {
      const oldest = this.oldestKept();
      this.runs.compact(REQUEST_KEYS, oldest, maxTuples);
      this.runs.compact(TEXT_KEYS, oldest, maxTuples);
    }).immediate();
  }

  /** The seq of the oldest row the log still holds (rows before it were pruned). */
  private oldestKept(): number {
    return Math.min(this.catchUp.oldestOldRow.get()?.seq ?? Number.MAX_SAFE_INTEGER, this.catchUp.oldestSegmentRow.get()?.first ?? Number.MAX_SAFE_INTEGER);
  }

  /** The stored row of a seq, from mon_predictions or the segment holding it; undefined when pruned. */
  private rowAt(seq: number): StoredPrediction | undefined {
    const old = this.st.oldRow.get(seq);
    if (old !== undefined) return toStoredPrediction(old);
    const s = this.st.segmentOf.get(seq);
    if (s === undefined) return undefined;
    const i = seq - s.seq;
    if (i < s.skip || i >= s.rows) return undefined;
    let seg = this.segmentCache.get(s.seq);
    if (seg === undefined) {
      seg = decodeSegment(s.seq, this.st.segmentData.get(s.seq)!.data);
      this.cacheSegment(s.seq, seg);
    }
    return storedPredictionOf(seg, i, s.endpoint, this.streamOf(seg.stream[i]!));
  }

  /** Keeps a decoded segment, dropping the oldest kept ones beyond SEGMENT_CACHE_ROWS rows. */
  private cacheSegment(seq: number, seg: SegmentRows): void {
    this.segmentCache.set(seq, seg);
    this.cachedRows += seg.length;
    for (const [oldest, old] of this.segmentCache) {
      if (this.cachedRows <= SEGMENT_CACHE_ROWS || oldest === seq) break;
      this.segmentCache.delete(oldest);
      this.cachedRows -= old.length;
    }
  }

  async findByRequestId(requestId: string, position = 0): Promise<StoredPrediction | undefined> {
    if (requestId === '') return undefined; // '' is "the caller sent no id": it names no request
    this.catchUpLookups();
    // Keys may collide and name pruned rows: each candidate row is compared in full. Primary
    // before shadow (both answer the same request id and position), then the newest. A row that
    // continues its request in a segment has no key of its own (log-segment.ts): it is position
    // 0's row + position.
    let primary: StoredPrediction | undefined;
    let shadow: StoredPrediction | undefined;
    // Each key's candidates (runs and B-tree merged) come newest first: read up to the first primary.
    const search = (key: number, offset: number) => {
      const btree = new PagedSource(() => this.st.requestCandidates.all(key).map(({ seq }) => ({ at: 0, seq })));
      newestFirst([btree], this.runs.sources(REQUEST_KEYS, key, 0, Number.MAX_SAFE_INTEGER), (seq) => {
        const p = this.rowAt(seq + offset);
        if (p === undefined || p.requestId !== requestId || p.position !== position) return false;
        if (p.role !== 'primary') { if (shadow === undefined || p.seq > shadow.seq) shadow = p; return false; }
        if (primary === undefined || p.seq > primary.seq) primary = p;
        return true;
      });
    };
    search(requestKey(requestId, position), 0);
    if (position > 0) search(requestKey(requestId, 0), position);
    return primary ?? shadow;
  }

  async findLatestByText(endpoint: string, textSha256: string, before?: number): Promise<StoredPrediction | undefined> {
    this.catchUpLookups();
    const key = textKey(endpoint, textSha256);
    const bound = before ?? Number.MAX_SAFE_INTEGER;
    const btree = new PagedSource((after) => this.st.textCandidates.all(key, after?.at ?? bound, after?.seq ?? Number.MAX_SAFE_INTEGER), TEXT_PAGE);
    let found: StoredPrediction | undefined;
    newestFirst([btree], this.runs.sources(TEXT_KEYS, key, bound, Number.MAX_SAFE_INTEGER), (seq) => {
      const p = this.rowAt(seq);
      if (p === undefined || p.endpoint !== endpoint || p.textSha256 !== textSha256 || p.role !== 'primary') return false;
      found = p;
      return true;
    });
    return found;
  }

  /**
   * Pages of columns: the rows of the query merged from segments and old rows (MergedRows), each
   * page filled straight from the segments' typed arrays (ColumnPageBuilder.addFrom); the stream named
   * once per stream id. Every statement runs to its end before a page is yielded, so no iterator
   * stays open on the connection while the caller works (an open one would make the log writer's
   * next append fail: connection busy).
   */
  async *scanPredictionColumns(query: LogQuery, pageSize = DEFAULT_PAGE_SIZE): AsyncIterable<PredictionColumns> {
    const scan = this.plan(query, pageSize);
    if (scan === undefined) return;
    const numbering = new StreamNumbering();
    let remaining = scan.remaining;
    while (remaining > 0) {
      const limit = Math.min(pageSize, remaining);
      const page = new ColumnPageBuilder(limit, numbering, this.streamOf);
      while (page.rows < limit && scan.rows.advance()) page.addFrom(scan.rows.seg!, scan.rows.i);
      if (page.rows === 0) return;
      remaining -= page.rows;
      yield page.build();
      if (page.rows < limit) return;
    }
  }

  async *scanPredictions(query: LogQuery, pageSize = DEFAULT_PAGE_SIZE): AsyncIterable<readonly StoredPrediction[]> {
    const scan = this.plan(query, pageSize);
    if (scan === undefined) return;
    let remaining = scan.remaining;
    while (remaining > 0) {
      const limit = Math.min(pageSize, remaining);
      const page: StoredPrediction[] = [];
      const { rows } = scan;
      while (page.length < limit && rows.advance()) {
        page.push(storedPredictionOf(rows.seg!, rows.i, query.endpoint, this.streamOf(rows.seg!.stream[rows.i]!)));
      }
      if (page.length === 0) return;
      remaining -= page.length;
      yield page;
      if (page.length < limit) return;
    }
  }

  /** The merged rows of a query, from its start (the oldest of the newest `last`, or the beginning); undefined: nothing to scan. */
  private plan(query: LogQuery, pageSize: number): { rows: MergedRows; remaining: number } | undefined {
    checkLogQuery(query);
    checkPageSize(pageSize);
    const remaining = query.last ?? Infinity;
    if (remaining === 0) return undefined;
    const base = this.filterOf(query);
    const metas = this.metasOf(query.endpoint, base);
    const start = query.last === undefined ? undefined : this.startOfLast(query, query.last, metas, base);
    const filter: RowFilter = start === undefined ? base : { ...base, startAt: start.at, startSeq: start.seq };
    metas.sort((a, b) => a.minAt - b.minAt || a.seq - b.seq);
    return { rows: new MergedRows(metas, (m) => this.loadSegment(m), filter, this.oldChunks(query, filter)), remaining };
  }

  private filterOf(q: LogQuery): RowFilter {
    this.loadStreams();
    const role = q.role ?? 'primary';
    const allowed = new Set<number>();
    for (const [id, s] of this.streamsById) {
      if (s.endpoint === q.endpoint && (q.variant === undefined || s.variant === q.variant) && (q.modelSha256 === undefined || s.modelSha256 === q.modelSha256)
        && (role === 'any' || s.role === role)) allowed.add(id);
    }
    return { since: q.since ?? -Infinity, until: q.until ?? Infinity, allowed: (id) => allowed.has(id), startAt: -Infinity, startSeq: -Infinity };
  }

  /** The segments of an endpoint that may hold rows of the filter (time span, a stream it allows). */
  private metasOf(endpoint: string, f: RowFilter): SegmentMeta[] {
    const out: SegmentMeta[] = [];
    for (const r of this.st.metas.all(endpoint, clampTime(f.since), clampTime(f.until))) {
      const m: SegmentMeta = { seq: r.seq, rows: r.rows, skip: r.skip, minAt: r.min_at, maxAt: r.max_at, streams: r.streams };
      if (streamCounts(m.streams).some(([id]) => f.allowed(id))) out.push(m);
    }
    return out;
  }

  private loadSegment(m: SegmentMeta): { seg: SegmentRows; skip: number } | undefined {
    const r = this.st.segmentData.get(m.seq);
    return r === undefined ? undefined : { seg: decodeSegment(m.seq, r.data), skip: r.skip };
  }

  /** Old-format rows of the query at or after the filter's start key, OLD_CHUNK at a time, as segments. */
  private oldChunks(query: LogQuery, f: RowFilter): () => SegmentRows | undefined {
    const params: unknown[] = [];
    const where = sqliteLogWhere(query, params);
    const from = this.prepared<PredictionRow & { stream_id: number }>(`SELECT ${JOINED_COLUMNS}, p.stream_id AS stream_id
      FROM mon_predictions p CROSS JOIN mon_streams s ON s.stream_id = p.stream_id WHERE ${where} AND (p.at, p.seq) >= (?, ?) ORDER BY p.at, p.seq LIMIT ?`);
    let key = { at: clampTime(f.startAt), seq: clampTime(f.startSeq) };
    let done = false;
    return () => {
      if (done) return undefined;
      const rows = from.all(...params, key.at, key.seq, OLD_CHUNK);
      if (rows.length < OLD_CHUNK) done = true;
      if (rows.length === 0) return undefined;
      const last = rows[rows.length - 1]!;
      key = { at: Number(last.at), seq: Number(last.seq) + 1 };
      return segmentOfStoredRows(rows.map(toStoredPrediction), Int32Array.from(rows, (r) => r.stream_id));
    };
  }

  /**
   * The (at, seq) of the oldest of the newest `last` rows of the filter; undefined when there are
   * fewer than `last`. Segments are read newest first until the `last` newest keys are known to be
   * among those collected (the next segment ends before the last-th newest time).
   */
  private startOfLast(query: LogQuery, last: number, metas: readonly SegmentMeta[], f: RowFilter): { at: number; seq: number } | undefined {
    const ats: number[] = [];
    const seqs: number[] = [];
    const params: unknown[] = [];
    const where = sqliteLogWhere(query, params);
    for (const r of this.prepared<{ at: number; seq: number }>(`SELECT at, seq FROM mon_predictions p WHERE ${where} ORDER BY at DESC, seq DESC LIMIT ?`).all(...params, last)) {
      ats.push(r.at); seqs.push(r.seq);
    }
    let known: { at: number; seq: number; of: number } | undefined;
    const kth = (): { at: number; seq: number } => {
      if (known?.of !== ats.length) {
        const order = ats.map((_, i) => i).sort((a, b) => ats[b]! - ats[a]! || seqs[b]! - seqs[a]!);
        const k = order[last - 1]!;
        known = { at: ats[k]!, seq: seqs[k]!, of: ats.length };
      }
      return known;
    };
    const newestFirst = [...metas].sort((a, b) => b.maxAt - a.maxAt || b.seq - a.seq);
    for (const m of newestFirst) {
      if (ats.length >= last && m.maxAt < kth().at) break;
      const got = this.loadSegment(m);
      if (got === undefined) continue;
      const { lo, hi } = rangeOf(got.seg, Math.max(m.skip, got.skip), f);
      for (let i = lo; i < hi; i++) if (f.allowed(got.seg.stream[i]!)) { ats.push(got.seg.at[i]!); seqs.push(m.seq + i); }
    }
    return ats.length < last ? undefined : kth();
  }

  async countPredictions(query: LogQuery): Promise<number> {
    const params: unknown[] = [];
    const where = sqliteLogWhere(query, params);
    let n = this.prepared<{ n: number }>(`SELECT COUNT(*) AS n FROM mon_predictions p WHERE ${where}`).get(...params)?.n ?? 0;
    const f = this.filterOf(query);
    for (const m of this.metasOf(query.endpoint, f)) {
      if (m.minAt >= f.since && m.maxAt < f.until) {
        for (const [id, rows] of streamCounts(m.streams)) if (f.allowed(id)) n += rows;
        continue;
      }
      const got = this.loadSegment(m);
      if (got === undefined) continue;
      const { lo, hi } = rangeOf(got.seg, Math.max(m.skip, got.skip), f);
      for (let i = lo; i < hi; i++) if (f.allowed(got.seg.stream[i]!)) n++;
    }
    return query.last === undefined ? n : Math.min(n, query.last);
  }

  async listLoggedEndpoints(): Promise<Array<{ endpoint: string; rows: number; first: number; last: number }>> {
    const span = this.prepared<{ rows: number; first: number; last: number }>(
      'SELECT COUNT(*) AS rows, MIN(at) AS first, MAX(at) AS last FROM mon_predictions WHERE endpoint = ?');
    const out = new Map<string, { endpoint: string; rows: number; first: number; last: number }>();
    for (const { endpoint } of this.st.oldEndpoints.all()) out.set(endpoint, { endpoint, ...span.get(endpoint)! });
    for (const s of this.st.segmentSpans.all()) {
      const o = out.get(s.endpoint);
      out.set(s.endpoint, o === undefined ? { ...s } : { endpoint: s.endpoint, rows: o.rows + s.rows, first: Math.min(o.first, s.first), last: Math.max(o.last, s.last) });
    }
    return [...out.values()].sort((a, b) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0));
  }

  /**
   * Age first (per endpoint), then rows beyond maxRows, oldest seq first: old-format rows (all
   * older than any segment row) in chunks of PRUNE_CHUNK, segments PRUNE_SEGMENTS a commit, a
   * segment only partly due keeping its newer rows (skip). The event loop runs between commits, so
   * the log writer and readers in this process wait milliseconds, not for the whole purge.
   */
  async prunePredictions(policy: RetentionPolicy): Promise<number> {
    checkRetention(policy);
    this.pending = undefined;
    let removed = 0;
    if (policy.maxAgeMs !== undefined) {
      const cutoff = policy.now - policy.maxAgeMs;
      const del = this.prepared(`DELETE FROM mon_predictions WHERE seq IN
        (SELECT seq FROM mon_predictions WHERE endpoint = ? AND at < ? LIMIT ${PRUNE_CHUNK})`);
      for (const { endpoint } of this.st.oldEndpoints.all()) {
        for (;;) {
          const n = del.run(endpoint, cutoff).changes;
          removed += n;
          if (n < PRUNE_CHUNK) break;
          await yieldToEventLoop();
        }
      }
      const due = this.prepared<{ seq: number }>(`SELECT seq FROM mon_segments WHERE min_at < ? ORDER BY seq LIMIT ${PRUNE_SEGMENTS}`);
      for (;;) {
        const seqs = due.all(clampTime(cutoff));
        const n = this.db.transaction(() => seqs.reduce((sum, { seq }) => sum + this.trimSegment(seq, (seg, skip) => firstAtOrAfter(seg.at, cutoff, skip)), 0)).immediate();
        removed += n;
        if (seqs.length < PRUNE_SEGMENTS || n === 0) break;
        await yieldToEventLoop();
      }
    }
    if (policy.maxRows !== undefined) {
      const oldRows = () => this.prepared<{ n: number }>('SELECT COUNT(*) AS n FROM mon_predictions').get()?.n ?? 0;
      const segmentRows = this.prepared<{ n: number | null }>('SELECT SUM(rows - skip) AS n FROM mon_segments').get()?.n ?? 0;
      let excess = oldRows() + segmentRows - policy.maxRows;
      const del = this.prepared('DELETE FROM mon_predictions WHERE seq IN (SELECT seq FROM mon_predictions ORDER BY seq LIMIT ?)');
      while (excess > 0) {
        const n = del.run(Math.min(excess, PRUNE_CHUNK)).changes;
        if (n === 0) break;
        removed += n;
        excess -= n;
        if (excess > 0) await yieldToEventLoop();
      }
      const oldest = this.prepared<{ seq: number }>(`SELECT seq FROM mon_segments ORDER BY seq LIMIT ${PRUNE_SEGMENTS}`);
      while (excess > 0) {
        const seqs = oldest.all();
        if (seqs.length === 0) break;
        const n = this.db.transaction(() => {
          let sum = 0;
          for (const { seq } of seqs) {
            if (sum >= excess) break;
            sum += this.trimSegment(seq, (seg, skip) => Math.min(seg.length, skip + excess - sum));
          }
          return sum;
        }).immediate();
        removed += n;
        excess -= n;
        if (excess > 0) await yieldToEventLoop();
      }
    }
    if (removed > 0) {
      // Key entries of pruned rows: harmless (a lookup reads the row, and a seq is never reused)
      // but dead weight. Those below the oldest kept row are most of them; the rest wait for later prunes.
      this.db.transaction(() => {
        const oldest = Math.min(
          this.prepared<{ seq: number | null }>('SELECT MIN(seq) AS seq FROM mon_predictions').get()?.seq ?? Number.MAX_SAFE_INTEGER,
          this.prepared<{ seq: number | null }>('SELECT MIN(seq + skip) AS seq FROM mon_segments').get()?.seq ?? Number.MAX_SAFE_INTEGER);
        this.prepared('DELETE FROM mon_request_keys WHERE seq < ?').run(oldest);
        this.prepared('DELETE FROM mon_text_keys WHERE seq < ?').run(oldest);
        this.runs.dropBelow(oldest);
      }).immediate();
    }
    return removed;
  }

  /** Removes a segment's rows before `keepFrom(seg, skip)` (all: the segment goes); returns how many went. */
  private trimSegment(seq: number, keepFrom: (seg: SegmentRows, skip: number) => number): number {
    const r = this.st.segmentData.get(seq);
    if (r === undefined) return 0;
    const seg = decodeSegment(seq, r.data);
    const from = Math.max(r.skip, Math.min(seg.length, keepFrom(seg, r.skip)));
    if (from === r.skip) return 0;
    if (from >= seg.length) {
      this.prepared('DELETE FROM mon_segments WHERE seq = ?').run(seq);
    } else {
      this.prepared('UPDATE mon_segments SET skip = ?, min_at = ?, streams = ? WHERE seq = ?').run(from, seg.at[from]!, formatStreamCounts(seg.stream, from, seg.length), seq);
    }
    const cached = this.segmentCache.get(seq);
    if (cached !== undefined) {
      this.segmentCache.delete(seq);
      this.cachedRows -= cached.length;
    }
    return from - r.skip;
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
interface SegmentRow { seq: number; endpoint: string; rows: number; skip: number }
interface MetaRow { seq: number; rows: number; skip: number; min_at: number; max_at: number; streams: string }

function streamKey(s: PredictionStream): string {
  return `${s.endpoint}\u0000${s.variant}\u0000${s.role}\u0000${s.modelSha256}\u0000${s.model}\u0000${s.version}`;
}

/** ±Infinity as the widest whole numbers SQLite compares with INTEGER columns. */
function clampTime(t: number): number {
  return t === Infinity ? Number.MAX_SAFE_INTEGER : t === -Infinity ? Number.MIN_SAFE_INTEGER : t;
}

/** Sorts row indices by the rows' time, stable; a batch is usually in time order already (checked first). */
/** Sorts row indices by time, stably (equal times keep their order); a batch in order costs one pass. */
function sortByTime(atOf: (row: number) => number, order: number[]): void {
  for (let k = 1; k < order.length; k++) {
    if (atOf(order[k]!) < atOf(order[k - 1]!)) {
      order.sort((a, b) => atOf(a) - atOf(b) || a - b);
      return;
    }
  }
}

/** Key columns of segments in seq order: row i of a segment has seq seq0 + i. */
interface PendingKeys {
  /** The first seq held and the seq after the last. */
  first: number;
  next: number;
  readonly segments: Array<{ readonly seq0: number; readonly at: Float64Array; readonly requestKey: Float64Array; readonly textKey: Float64Array }>;
}

type SegmentInsert = (endpoint: string, rows: number, firstAt: number, lastAt: number, streams: Int32Array, segment: EncodedSegment) => void;

/**
 * The WHERE clause of a query on old-format rows: they hold endpoint and at, the other filters
 * name streams, so they become one `stream_id IN (...)` over mon_streams (evaluated once per
 * statement run; (endpoint, at) still drives the scan and its order). Columns are qualified with
 * `p.` so the clause also fits the queries that join mon_streams as `s`.
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
