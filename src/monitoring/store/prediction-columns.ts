import type { StoredPrediction } from '../log/logged-prediction.js';

/** Which answering model a row belongs to: the key reports and drift tests group by. */
export interface PredictionStream {
  readonly endpoint: string;
  readonly variant: string;
  readonly role: 'primary' | 'shadow';
  readonly model: string;
  readonly version: string;
  readonly modelSha256: string;
}

/**
 * One page of logged predictions as columns, for readers of many rows (monitor report, drift,
 * alert evaluation): a 1M-row window must not cost a million objects of ten fields each. Row i of
 * the page is column[i] in every column. The top-k and request ids are left out: readers of whole
 * windows do not use them (scanPredictions has them).
 */
export interface PredictionColumns {
  readonly length: number;
  readonly seq: Float64Array;
  readonly at: Float64Array;
  /** Index into `streams` for each row. */
  readonly stream: Uint32Array;
  /** Every stream seen so far in this scan: indices are stable across the pages of one scan. */
  readonly streams: readonly PredictionStream[];
  readonly label: readonly string[];
  readonly score: Float64Array;
  readonly latencyMs: Float64Array;
  readonly chars: Int32Array;
  readonly tokens: Int32Array;
  readonly digits: Int32Array;
  readonly upper: Int32Array;
  readonly nonAscii: Int32Array;
  /** Token hashes of row i: tokenHashes.subarray(tokenStart[i], tokenStart[i + 1]) (length + 1 entries). */
  readonly tokenHashes: Uint32Array;
  readonly tokenStart: Uint32Array;
  /** Null where the endpoint logs no text. */
  readonly text: readonly (string | null)[];
}

/**
 * Rows held as typed-array columns (SQLite's log segments, sqlite/log-segment.ts) that a
 * ColumnPageBuilder copies from without a row array: row i's token hashes are
 * hashes[hashStart[i] .. hashStart[i + 1]), its label labels[label[i]], its stream an id.
 */
export interface ColumnSource extends Pick<PredictionColumns, 'at' | 'score' | 'latencyMs' | 'chars' | 'tokens' | 'digits' | 'upper' | 'nonAscii'> {
  seqOf(i: number): number;
  readonly stream: Int32Array;
  readonly hashStart: Uint32Array;
  readonly hashes: Uint32Array;
  readonly label: Int32Array;
  readonly labels: readonly string[];
  text(i: number): string | null;
}

/** Keeps the stream numbering of one scan: the same key gets the same index on every page. */
export class StreamNumbering {
  private readonly index = new Map<string, number>();
  private readonly byId = new Map<number, number>();
  readonly streams: PredictionStream[] = [];

  /** The index of a store's stream id (SQLite's mon_streams.stream_id), resolving the id to its stream once per scan. */
  indexOfStreamId(id: number, resolve: (id: number) => PredictionStream): number {
    let i = this.byId.get(id);
    if (i === undefined) {
      i = this.indexOf(resolve(id));
      this.byId.set(id, i);
    }
    return i;
  }

  indexOf(s: PredictionStream): number {
    return this.indexOfParts(s.endpoint, s.variant, s.role, s.model, s.version, s.modelSha256);
  }

  indexOfParts(endpoint: string, variant: string, role: string, model: string, version: string, modelSha256: string): number {
    const key = `${endpoint}\u0000${variant}\u0000${role}\u0000${modelSha256}\u0000${model}\u0000${version}`;
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.streams.length;
      this.index.set(key, i);
      this.streams.push({ endpoint, variant, role: role as PredictionStream['role'], model, version, modelSha256 });
    }
    return i;
  }
}

/**
 * The columns a native columnar scan selects, in this order, on both adapters: rows come back as
 * arrays (better-sqlite3 `.raw()`, pg `rowMode: 'array'`) and ColumnPageBuilder reads them by
 * position, so no row ever becomes an object with named fields.
 */
export const COLUMN_SCAN_COLUMNS = 'seq, at, endpoint, variant, role, model, version, model_sha256, label, score, latency_ms, chars, tokens, digits, upper, non_ascii, token_hashes, text';
const C = { seq: 0, at: 1, endpoint: 2, variant: 3, role: 4, model: 5, version: 6, modelSha256: 7, label: 8, score: 9, latencyMs: 10,
  chars: 11, tokens: 12, digits: 13, upper: 14, nonAscii: 15, tokenHashes: 16, text: 17 } as const;

/**
 * The columns of a columnar scan on a store that keeps a row's stream as an integer id (SQLite,
 * mon_predictions.stream_id): the stream's six strings are read once per stream (see
 * ColumnPageBuilder's `resolveStream`), not once per row.
 */
export const COLUMN_SCAN_COLUMNS_BY_STREAM_ID = 'seq, at, stream_id, label, score, latency_ms, chars, tokens, digits, upper, non_ascii, token_hashes, text';
/** COLUMN_SCAN_COLUMNS_BY_STREAM_ID's positions are C's from `label` on, less this. */
const BY_ID_SHIFT = C.label - 3;

/** Token hashes a row holds on average, to size a page's hash buffer before the first row (it grows when short). */
const HASHES_PER_ROW_GUESS = 16;
/** Rows a page's arrays hold before they first grow: the default page size (log-query.ts). */
const INITIAL_PAGE_ROWS = 10_000;

/**
 * Fills one page of columns from raw row arrays (COLUMN_SCAN_COLUMNS order). Numbers go through
 * Number() (pg returns bigint columns as strings; SQLite numbers pass through). Token hash bytes are
 * copied straight into the page's Uint32Array buffer (no per-row typed array). The stream of a row
 * is found by comparing it with the previous row's first: a page is mostly runs of one stream, so
 * the key string and Map lookup are paid only where the stream changes.
 */
export class ColumnPageBuilder {
  private capacity: number;
  private length = 0;
  private seq: Float64Array;
  private at: Float64Array;
  private stream: Uint32Array;
  private readonly label: string[] = [];
  private score: Float64Array;
  private latencyMs: Float64Array;
  private chars: Int32Array;
  private tokens: Int32Array;
  private digits: Int32Array;
  private upper: Int32Array;
  private nonAscii: Int32Array;
  private tokenStart: Uint32Array;
  private hashes: Uint32Array;
  private hashBytes: Uint8Array;
  private hashCount = 0;
  private readonly text: (string | null)[] = [];
  private prev: unknown[] | undefined;
  private prevStream = 0;
  private prevStreamId = -1;
  private readonly shift: number;

  /**
   * `expectedRows`: the page's row limit; arrays start at most INITIAL_PAGE_ROWS long and double when full, so a huge page size allocates nothing up front.
   * `resolveStream`: given, rows are in COLUMN_SCAN_COLUMNS_BY_STREAM_ID order and it names the stream of an id.
   */
  constructor(expectedRows: number, private readonly numbering: StreamNumbering, private readonly resolveStream?: (id: number) => PredictionStream) {
    this.shift = resolveStream === undefined ? 0 : BY_ID_SHIFT;
    const n = Math.max(1, Math.min(expectedRows, INITIAL_PAGE_ROWS));
    this.capacity = n;
    this.seq = new Float64Array(n); this.at = new Float64Array(n); this.stream = new Uint32Array(n);
    this.score = new Float64Array(n); this.latencyMs = new Float64Array(n);
    this.chars = new Int32Array(n); this.tokens = new Int32Array(n); this.digits = new Int32Array(n); this.upper = new Int32Array(n); this.nonAscii = new Int32Array(n);
    this.tokenStart = new Uint32Array(n + 1);
    this.hashes = new Uint32Array(n * HASHES_PER_ROW_GUESS);
    this.hashBytes = new Uint8Array(this.hashes.buffer);
  }

  get rows(): number { return this.length; }

  /** Appends one raw row (COLUMN_SCAN_COLUMNS order). */
  add(r: unknown[]): void {
    const i = this.length;
    if (i === this.capacity) this.growRows();
    this.seq[i] = Number(r[C.seq]); this.at[i] = Number(r[C.at]);
    const o = this.shift;
    if (this.resolveStream !== undefined) {
      const id = r[2] as number;
      if (id !== this.prevStreamId) {
        this.prevStream = this.numbering.indexOfStreamId(id, this.resolveStream);
        this.prevStreamId = id;
      }
      this.stream[i] = this.prevStream;
    } else {
      this.addStreamOfStrings(i, r);
    }
    this.label[i] = r[C.label - o] as string; this.score[i] = r[C.score - o] as number; this.latencyMs[i] = r[C.latencyMs - o] as number;
    this.chars[i] = r[C.chars - o] as number; this.tokens[i] = r[C.tokens - o] as number; this.digits[i] = r[C.digits - o] as number;
    this.upper[i] = r[C.upper - o] as number; this.nonAscii[i] = r[C.nonAscii - o] as number;
    const bytes = r[C.tokenHashes - o] as Uint8Array;
    const count = bytes.byteLength >>> 2;
    if (this.hashCount + count > this.hashes.length) this.growHashes(this.hashCount + count);
    this.tokenStart[i] = this.hashCount;
    // A driver's Buffer may sit at any byte offset: copy bytes into the aligned page buffer.
    this.hashBytes.set(count << 2 === bytes.byteLength ? bytes : bytes.subarray(0, count << 2), this.hashCount << 2);
    this.hashCount += count;
    this.text[i] = r[C.text - o] as string | null;
    this.length = i + 1;
  }

  /** Appends row i of a column source (its stream resolved by id: `resolveStream` must be given). */
  addFrom(src: ColumnSource, i: number): void {
    const k = this.length;
    if (k === this.capacity) this.growRows();
    this.seq[k] = src.seqOf(i); this.at[k] = src.at[i]!;
    const id = src.stream[i]!;
    if (id !== this.prevStreamId) {
      this.prevStream = this.numbering.indexOfStreamId(id, this.resolveStream!);
      this.prevStreamId = id;
    }
    this.stream[k] = this.prevStream;
    this.label[k] = src.labels[src.label[i]!]!; this.score[k] = src.score[i]!; this.latencyMs[k] = src.latencyMs[i]!;
    this.chars[k] = src.chars[i]!; this.tokens[k] = src.tokens[i]!; this.digits[k] = src.digits[i]!; this.upper[k] = src.upper[i]!; this.nonAscii[k] = src.nonAscii[i]!;
    const from = src.hashStart[i]!;
    const count = src.hashStart[i + 1]! - from;
    if (this.hashCount + count > this.hashes.length) this.growHashes(this.hashCount + count);
    this.tokenStart[k] = this.hashCount;
    this.hashes.set(src.hashes.subarray(from, from + count), this.hashCount);
    this.hashCount += count;
    this.text[k] = src.text(i);
    this.length = k + 1;
  }

  /** The stream of a row in COLUMN_SCAN_COLUMNS order (six strings). */
  private addStreamOfStrings(i: number, r: unknown[]): void {
    const p = this.prev;
    if (p !== undefined && p[C.variant] === r[C.variant] && p[C.modelSha256] === r[C.modelSha256] && p[C.role] === r[C.role]
      && p[C.version] === r[C.version] && p[C.model] === r[C.model] && p[C.endpoint] === r[C.endpoint]) {
      this.stream[i] = this.prevStream;
    } else {
      this.prevStream = this.numbering.indexOfParts(r[C.endpoint] as string, r[C.variant] as string, r[C.role] as string,
        r[C.model] as string, r[C.version] as string, r[C.modelSha256] as string);
      this.stream[i] = this.prevStream;
    }
    this.prev = r;
  }

  /** The (at, seq) of the last row added, as the next page's keyset start. */
  lastKey(): { at: number; seq: number } {
    const i = this.length - 1;
    return { at: this.at[i]!, seq: this.seq[i]! };
  }

  build(): PredictionColumns {
    const n = this.length;
    this.tokenStart[n] = this.hashCount;
    const cut = <T extends Float64Array | Int32Array | Uint32Array>(a: T, len: number): T => (len === a.length ? a : a.slice(0, len) as T);
    return {
      length: n, seq: cut(this.seq, n), at: cut(this.at, n), stream: cut(this.stream, n), streams: this.numbering.streams,
      label: this.label, score: cut(this.score, n), latencyMs: cut(this.latencyMs, n),
      chars: cut(this.chars, n), tokens: cut(this.tokens, n), digits: cut(this.digits, n), upper: cut(this.upper, n), nonAscii: cut(this.nonAscii, n),
      tokenHashes: cut(this.hashes, this.hashCount), tokenStart: cut(this.tokenStart, n + 1), text: this.text,
    };
  }

  private growRows(): void {
    const n = this.capacity * 2;
    const grow = <T extends Float64Array | Int32Array | Uint32Array>(a: T, len: number): T => {
      const b = new (a.constructor as new (len: number) => T)(len);
      b.set(a);
      return b;
    };
    this.seq = grow(this.seq, n); this.at = grow(this.at, n); this.stream = grow(this.stream, n);
    this.score = grow(this.score, n); this.latencyMs = grow(this.latencyMs, n);
    this.chars = grow(this.chars, n); this.tokens = grow(this.tokens, n); this.digits = grow(this.digits, n);
    this.upper = grow(this.upper, n); this.nonAscii = grow(this.nonAscii, n); this.tokenStart = grow(this.tokenStart, n + 1);
    this.capacity = n;
  }

  private growHashes(atLeast: number): void {
    const grown = new Uint32Array(Math.max(atLeast, this.hashes.length * 2));
    grown.set(this.hashes.subarray(0, this.hashCount));
    this.hashes = grown;
    this.hashBytes = new Uint8Array(grown.buffer);
  }
}

/** Columns of rows already read as objects: what the adapters' native columnar scans must equal (the contract suite checks it). */
export function columnsFromRows(rows: readonly StoredPrediction[], numbering: StreamNumbering): PredictionColumns {
  const n = rows.length;
  let hashes = 0;
  for (const r of rows) hashes += r.stats.tokenHashes.length;
  const out = {
    length: n, seq: new Float64Array(n), at: new Float64Array(n), stream: new Uint32Array(n), streams: numbering.streams,
    label: new Array<string>(n), score: new Float64Array(n), latencyMs: new Float64Array(n),
    chars: new Int32Array(n), tokens: new Int32Array(n), digits: new Int32Array(n), upper: new Int32Array(n), nonAscii: new Int32Array(n),
    tokenHashes: new Uint32Array(hashes), tokenStart: new Uint32Array(n + 1), text: new Array<string | null>(n),
  };
  let h = 0;
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    out.seq[i] = r.seq; out.at[i] = r.at; out.stream[i] = numbering.indexOf(r);
    out.label[i] = r.label; out.score[i] = r.score; out.latencyMs[i] = r.latencyMs;
    const s = r.stats;
    out.chars[i] = s.chars; out.tokens[i] = s.tokens; out.digits[i] = s.digits; out.upper[i] = s.upper; out.nonAscii[i] = s.nonAscii;
    out.tokenStart[i] = h;
    out.tokenHashes.set(s.tokenHashes, h);
    h += s.tokenHashes.length;
    out.text[i] = r.text;
  }
  out.tokenStart[n] = h;
  return out;
}
