import type Database from 'better-sqlite3';
import { fmix32 } from '../../../text/ngram-hasher.js';
import { tupleOrder } from './tuple-order.js';

/** Request keys (key, 0, seq) and text keys (key, at, seq): the two lookups of the prediction log. */
export const REQUEST_KEYS = 0;
export const TEXT_KEYS = 1;
export type KeyKind = typeof REQUEST_KEYS | typeof TEXT_KEYS;

/**
 * Tuples of a block: 3 KiB of doubles, one page of the file; a lookup reads one block per run.
 * 512-tuple blocks (12 KiB, read through overflow pages) made a text lookup about twice as slow.
 */
export const BLOCK_TUPLES = 128;
/** Runs of one level that make a merge. */
export const FANOUT = 8;
/**
 * A run of at most this many tuples is level 0; each level above holds FANOUT times more. A
 * lookup's catch-up writes a run of the few rows since the last one (level 0); an append's
 * catch-up, one of CATCH_UP_ROWS (level 2).
 */
const LEVEL_BASE = 2048;
/**
 * Runs of a level at or above this are never merged: a merge reads and writes every tuple of its
 * runs and holds the write lock meanwhile. The largest merge rewrites FANOUT^3 * LEVEL_BASE (1M)
 * tuples, about 0.4 s, which the log writer's queue (50,000 texts) rides out at 100,000 rows/s;
 * merging those again (8M tuples, 3 s or more) would drop answers and keep a label waiting on the
 * lock for as long. A log of 100M rows then holds about 100 runs of a kind: a lookup probes their
 * filters in memory and opens only the newest that may hold its key.
 */
const MERGED_LEVELS = 3;
/**
 * Tuples a merge started by a lookup may rewrite (a few ms): the many small runs that labels
 * arriving one by one leave behind are merged at once, larger merges wait for the appending thread.
 */
export const LOOKUP_MERGE_TUPLES = 20_000;
/** Runs (both kinds) beyond which an append merges without waiting for its next catch-up. */
export const RUNS_BEFORE_MERGE = 4 * FANOUT;
/** Decoded blocks a connection keeps (1.5 MiB): labels of the same hour read the same blocks. */
const BLOCK_CACHE = 512;
/**
 * Each run keeps a Bloom filter of its keys, 10 bits and 7 probes a key (about 1% false
 * positives), so a lookup reads a block only from the runs that may hold its key: a request id
 * is in one run of the dozen, and a text in the few of the hours it was sent.
 */
const BLOOM_BITS_PER_KEY = 10;
const BLOOM_PROBES = 7;

const W = 3;

/** A run's size class: merges take FANOUT runs of one level. */
export function levelOf(tuples: number): number {
  return tuples <= LEVEL_BASE ? 0 : Math.ceil(Math.log(tuples / LEVEL_BASE) / Math.log(FANOUT));
}

/** One key's tuples from a source, newest (at, seq) first; the caller compares the heads. */
export interface Descending {
  /** The current tuple's at and seq; undefined once the key's tuples are exhausted. */
  head(): { at: number; seq: number } | undefined;
  advance(): void;
}

/**
 * The lookup keys of segment rows as immutable sorted runs in the monitoring file
 * (key-runs-schema.ts): a catch-up writes one run per kind, runs of one level are merged FANOUT at
 * a time (streaming, block by block), and a lookup seeks one block in each run whose Bloom filter
 * may hold its key. Every method runs on the caller's connection; writes belong inside the
 * caller's transaction.
 */
export class KeyRuns {
  private readonly st;
  private readonly cache = new Map<string, Float64Array>();
  /** Each kind's runs' filters by run id. */
  private readonly blooms = [new Map<number, Bloom>(), new Map<number, Bloom>()] as const;
  private reads = 0;

  constructor(db: Database.Database) {
    this.st = {
      addRun: db.prepare("INSERT INTO mon_key_runs (kind, tuples, first_block, blocks, max_seq, max_at, bloom) VALUES (?, 0, ?, 0, 0, 0, X'')"),
      setRun: db.prepare('UPDATE mon_key_runs SET tuples = ?, blocks = ?, max_seq = ?, max_at = ?, bloom = ? WHERE run_id = ?'),
      bloom: db.prepare<unknown[], { bloom: Buffer }>('SELECT bloom FROM mon_key_runs WHERE run_id = ?'),
      nextBlock: db.prepare<unknown[], { id: number }>('SELECT coalesce(MAX(block_id), 0) + 1 AS id FROM mon_key_blocks'),
      addBlock: db.prepare('INSERT INTO mon_key_blocks (block_id, run_id, first_key, first_at, first_seq, data) VALUES (?, ?, ?, ?, ?, ?)'),
      runs: db.prepare<unknown[], RunRow>('SELECT run_id, tuples, first_block, blocks, max_seq, max_at FROM mon_key_runs WHERE kind = ? ORDER BY run_id'),
      // The block whose first tuple is the last at or before the bound: the only one that can hold it.
      seek: db.prepare<unknown[], { block: number }>(`SELECT block_id AS block FROM mon_key_blocks
        WHERE run_id = ? AND (first_key, first_at, first_seq) <= (?, ?, ?) ORDER BY first_key DESC, first_at DESC, first_seq DESC LIMIT 1`),
      block: db.prepare<unknown[], { data: Buffer }>('SELECT data FROM mon_key_blocks WHERE block_id = ?'),
      dropBlocks: db.prepare('DELETE FROM mon_key_blocks WHERE block_id >= ? AND block_id < ?'),
      count: db.prepare<unknown[], { n: number }>('SELECT COUNT(*) AS n FROM mon_key_runs'),
      run: db.prepare<unknown[], RunRow>('SELECT run_id, tuples, first_block, blocks, max_seq, max_at FROM mon_key_runs WHERE run_id = ?'),
      dropRun: db.prepare('DELETE FROM mon_key_runs WHERE run_id = ?'),
      below: db.prepare<unknown[], { run_id: number }>('SELECT run_id FROM mon_key_runs WHERE max_seq < ?'),
    };
  }

  /** Writes `flat` (tuples of key, at, seq; any order) as one run of `kind`. */
  write(kind: KeyKind, flat: ArrayLike<number>): void {
    const n = Math.floor(flat.length / W);
    if (n === 0) return;
    const order = tupleOrder(flat, W);
    const out = new RunWriter(this.st, kind, n);
    for (let i = 0; i < n; i++) {
      const o = order[i]! * W;
      out.push(flat[o]!, flat[o + 1]!, flat[o + 2]!);
    }
    out.finish();
  }

  /**
   * Merges runs of `kind` while a level below MERGED_LEVELS holds FANOUT of them (and, with
   * `maxTuples`, while such a merge rewrites no more than that), leaving out the tuples of rows
   * before `oldestKept` (pruned: their rows are gone). Returns the tuples rewritten.
   */
  compact(kind: KeyKind, oldestKept: number, maxTuples = Infinity): number {
    let rewritten = 0;
    for (;;) {
      const byLevel = new Map<number, RunRow[]>();
      for (const r of this.st.runs.all(kind)) {
        const level = levelOf(r.tuples);
        if (level >= MERGED_LEVELS) continue;
        const list = byLevel.get(level) ?? [];
        list.push(r);
        byLevel.set(level, list);
      }
      const due = [...byLevel.values()].find((runs) => runs.length >= FANOUT && runs.reduce((sum, r) => sum + r.tuples, 0) <= maxTuples);
      if (due === undefined) return rewritten;
      rewritten += this.merge(kind, due, oldestKept);
    }
  }

  /** Drops the runs whose every row is before `oldestKept`. */
  dropBelow(oldestKept: number): void {
    for (const { run_id } of this.st.below.all(oldestKept)) this.dropRun(this.st.run.get(run_id)!);
  }

  /** Tuples held in runs of a kind (tests). */
  tuples(kind: KeyKind): number {
    return this.st.runs.all(kind).reduce((sum, r) => sum + r.tuples, 0);
  }

  /** Runs of every kind (an append merges when there are many). */
  count(): number {
    return this.st.count.get()!.n;
  }

  /**
   * The runs' tuples of `key` at or before (at, seq), one source per run, each newest first
   * (a request key's tuples all have at 0, so they come by seq). A source is opened (its filter
   * probed, its block sought and read) only when newestFirst needs it: most lookups stop at the
   * newest tuple, which the newest runs hold.
   */
  sources(kind: KeyKind, key: number, at: number, seq: number): LazySource[] {
    const runs = this.st.runs.all(kind);
    const blooms = this.blooms[kind];
    if (blooms.size > runs.length + FANOUT) forgetGone(blooms, runs);
    return runs.map((r) => ({
      bound: { at: r.max_at, seq: r.max_seq },
      open: () => {
        if (!this.bloomOf(blooms, r.run_id).mayHold(key)) return undefined;
        const found = this.st.seek.get(r.run_id, key, at, seq);
        return found === undefined ? undefined : new RunCursor((b) => this.blockOf(r.run_id, b), found.block, r.first_block, key, at, seq);
      },
    }));
  }

  private merge(kind: KeyKind, runs: readonly RunRow[], oldestKept: number): number {
    const inputs = runs.map((r) => new ForwardCursor((b) => this.readBlock(r.first_block + b), r.blocks));
    const out = new RunWriter(this.st, kind, runs.reduce((sum, r) => sum + r.tuples, 0));
    for (;;) {
      let best = -1;
      for (let i = 0; i < inputs.length; i++) {
        if (!inputs[i]!.live) continue;
        if (best < 0 || inputs[i]!.before(inputs[best]!)) best = i;
      }
      if (best < 0) break;
      const c = inputs[best]!;
      if (c.seq >= oldestKept) out.push(c.key, c.at, c.seq);
      c.advance();
    }
    out.finish();
    for (const r of runs) this.dropRun(r);
    return out.written;
  }

  /** Block reads of this connection's lookups (tests: a run whose filter rules a key out is not read). */
  get blockReads(): number {
    return this.reads;
  }

  /** A run's filter, read once per connection (a run never changes). */
  private bloomOf(blooms: Map<number, Bloom>, runId: number): Bloom {
    let b = blooms.get(runId);
    if (b === undefined) {
      b = Bloom.of(this.st.bloom.get(runId)?.bloom);
      blooms.set(runId, b);
    }
    return b;
  }

  private dropRun(r: RunRow): void {
    this.st.dropBlocks.run(r.first_block, r.first_block + r.blocks);
    this.st.dropRun.run(r.run_id);
    for (const blooms of this.blooms) blooms.delete(r.run_id);
    for (const k of this.cache.keys()) if (k.startsWith(`${r.run_id}:`)) this.cache.delete(k);
  }

  /**
   * A block through the cache (blocks never change once written: a run is replaced, never
   * updated). Keyed by run too: a dropped run's block ids may be given to a later run's blocks.
   */
  private blockOf(runId: number, block: number): Float64Array {
    const k = `${runId}:${block}`;
    let data = this.cache.get(k);
    if (data !== undefined) {
      this.cache.delete(k);
      this.cache.set(k, data);
      return data;
    }
    data = this.readBlock(block);
    this.cache.set(k, data);
    if (this.cache.size > BLOCK_CACHE) this.cache.delete(this.cache.keys().next().value!);
    return data;
  }

  /** A block's tuples; copied out of the driver's Buffer, which may not be 8-byte aligned. */
  private readBlock(block: number): Float64Array {
    this.reads++;
    const row = this.st.block.get(block);
    if (row === undefined) throw new Error(`mon_key_blocks: no block ${block}`);
    const out = new Float64Array(row.data.byteLength >>> 3);
    new Uint8Array(out.buffer).set(row.data);
    return out;
  }
}

/** Drops the filters of runs another connection merged away. */
function forgetGone(blooms: Map<number, Bloom>, runs: readonly RunRow[]): void {
  const live = new Set(runs.map((r) => r.run_id));
  for (const id of blooms.keys()) if (!live.has(id)) blooms.delete(id);
}

interface RunRow { run_id: number; tuples: number; first_block: number; blocks: number; max_seq: number; max_at: number }

interface RunStatements {
  readonly addRun: Database.Statement<unknown[], unknown>;
  readonly setRun: Database.Statement<unknown[], unknown>;
  readonly addBlock: Database.Statement<unknown[], unknown>;
  readonly nextBlock: Database.Statement<unknown[], { id: number }>;
}

/** Double hashing over a key of up to 53 bits: the first probe from its low 32 bits, an odd step from its high bits. */
const firstProbe = (key: number) => fmix32(key % 0x100000000);
const probeStep = (key: number) => fmix32(Math.floor(key / 0x100000000) ^ 0x5bd1e995) | 1;

/** A Bloom filter over 52-bit lookup keys (already hashes: lookup-keys.ts), double hashing from their two halves. */
export class Bloom {
  private constructor(private readonly bits: Uint32Array) {}

  /** A filter sized for `keys` keys. */
  static sized(keys: number): Bloom {
    return new Bloom(new Uint32Array(Math.max(2, Math.ceil((keys * BLOOM_BITS_PER_KEY) / 32))));
  }

  /** A stored filter; an empty one holds everything (never rules a key out). */
  static of(bytes: Uint8Array | undefined): Bloom {
    if (bytes === undefined || bytes.byteLength < 8) return new Bloom(new Uint32Array(0));
    const bits = new Uint32Array(bytes.byteLength >>> 2);
    new Uint8Array(bits.buffer).set(bytes.subarray(0, bits.byteLength));
    return new Bloom(bits);
  }

  add(key: number): void {
    const m = this.bits.length * 32;
    let h = firstProbe(key);
    const step = probeStep(key);
    for (let i = 0; i < BLOOM_PROBES; i++) {
      const bit = (h >>> 0) % m;
      this.bits[bit >>> 5]! |= 1 << (bit & 31);
      h = (h + step) | 0;
    }
  }

  mayHold(key: number): boolean {
    const m = this.bits.length * 32;
    if (m === 0) return true;
    let h = firstProbe(key);
    const step = probeStep(key);
    for (let i = 0; i < BLOOM_PROBES; i++) {
      const bit = (h >>> 0) % m;
      if ((this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
      h = (h + step) | 0;
    }
    return true;
  }

  bytes(): Buffer {
    return Buffer.from(this.bits.buffer, this.bits.byteOffset, this.bits.byteLength);
  }
}

/** Tuples pushed in order go out as blocks of one new run; finish() writes the last block and the run's row. */
class RunWriter {
  private runId: number | undefined;
  private firstBlock = 0;
  private readonly buf = new Float64Array(BLOCK_TUPLES * W);
  private fill = 0;
  private blocks = 0;
  written = 0;
  private maxSeq = -Infinity;
  private maxAt = -Infinity;

  private readonly bloom: Bloom;

  /** `keys`: how many tuples the run will hold at most (sizes its filter). */
  constructor(private readonly st: RunStatements, private readonly kind: KeyKind, keys: number) {
    this.bloom = Bloom.sized(keys);
  }

  push(key: number, at: number, seq: number): void {
    const o = this.fill * W;
    this.buf[o] = key; this.buf[o + 1] = at; this.buf[o + 2] = seq;
    this.written++;
    this.bloom.add(key);
    if (seq > this.maxSeq) this.maxSeq = seq;
    if (at > this.maxAt) this.maxAt = at;
    if (++this.fill === BLOCK_TUPLES) this.flush();
  }

  finish(): void {
    if (this.fill > 0) this.flush();
    if (this.runId !== undefined) this.st.setRun.run(this.written, this.blocks, this.maxSeq, this.maxAt, this.bloom.bytes(), this.runId);
  }

  private flush(): void {
    // The run's row comes first (its id names the blocks); its counts are set by finish(). Its
    // blocks take consecutive ids: nothing else writes blocks inside the caller's transaction.
    if (this.runId === undefined) {
      this.firstBlock = this.st.nextBlock.get()!.id;
      this.runId = Number(this.st.addRun.run(this.kind, this.firstBlock).lastInsertRowid);
    }
    const bytes = Buffer.from(this.buf.buffer, 0, this.fill * W * 8);
    this.st.addBlock.run(this.firstBlock + this.blocks++, this.runId, this.buf[0]!, this.buf[1]!, this.buf[2]!, bytes);
    this.fill = 0;
  }
}

/** A run's tuples of one key, newest first, from the block a seek found down to the key's first. */
class RunCursor implements Descending {
  private data: Float64Array;
  private i: number;
  private done = false;
  private readonly current = { at: 0, seq: 0 };

  constructor(private readonly blockOf: (block: number) => Float64Array, private block: number, private readonly firstBlock: number, private readonly key: number, at: number, seq: number) {
    this.data = blockOf(block);
    // The last tuple at or before (key, at, seq) in the block (its first one is, by the seek).
    let lo = 0;
    let hi = this.data.length / W;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(this.data, mid * W, key, at, seq) <= 0) lo = mid + 1; else hi = mid;
    }
    this.i = lo - 1;
    this.check();
  }

  head(): { at: number; seq: number } | undefined {
    return this.done ? undefined : this.current;
  }

  advance(): void {
    if (this.done) return;
    if (--this.i < 0) {
      if (this.block === this.firstBlock) { this.done = true; return; }
      this.data = this.blockOf(--this.block);
      this.i = this.data.length / W - 1;
    }
    this.check();
  }

  private check(): void {
    const o = this.i * W;
    if (this.i < 0 || this.data[o] !== this.key) { this.done = true; return; }
    this.current.at = this.data[o + 1]!;
    this.current.seq = this.data[o + 2]!;
  }
}

/** A whole run, oldest block first, for a merge. */
class ForwardCursor {
  key = 0; at = 0; seq = 0;
  live = true;
  private data: Float64Array;
  private i = 0;
  private block = 0;

  constructor(private readonly read: (block: number) => Float64Array, private readonly blocks: number) {
    this.data = blocks > 0 ? read(0) : new Float64Array(0);
    this.load();
  }

  /** Whether this cursor's tuple sorts before the other's. */
  before(o: ForwardCursor): boolean {
    return this.key !== o.key ? this.key < o.key : this.at !== o.at ? this.at < o.at : this.seq < o.seq;
  }

  advance(): void {
    this.i += W;
    if (this.i >= this.data.length && ++this.block < this.blocks) {
      this.data = this.read(this.block);
      this.i = 0;
    }
    this.load();
  }

  private load(): void {
    if (this.i >= this.data.length) { this.live = false; return; }
    this.key = this.data[this.i]!; this.at = this.data[this.i + 1]!; this.seq = this.data[this.i + 2]!;
  }
}

function compare(data: Float64Array, o: number, key: number, at: number, seq: number): number {
  return data[o]! !== key ? data[o]! - key : data[o + 1]! !== at ? data[o + 1]! - at : data[o + 2]! - seq;
}

/** A source not read yet: every tuple it holds is at or before `bound` in (at, seq) order. */
export interface LazySource {
  readonly bound: { at: number; seq: number };
  /** The source (undefined: it holds none of the key's tuples). */
  open(): Descending | undefined;
}

const after = (a: { at: number; seq: number }, b: { at: number; seq: number }) => a.at > b.at || (a.at === b.at && a.seq > b.seq);

/**
 * Merges sources of one key newest first: calls `visit(seq)` for each tuple in descending
 * (at, seq) order until it returns true (found) or every source is exhausted. `lazy` sources are
 * opened newest bound first, each only once the newest tuple seen so far is not after its bound.
 */
export function newestFirst(open: readonly Descending[], lazy: readonly LazySource[], visit: (seq: number) => boolean): void {
  const active = [...open];
  const pending = [...lazy].sort((a, b) => (after(a.bound, b.bound) ? -1 : after(b.bound, a.bound) ? 1 : 0));
  let next = 0;
  for (;;) {
    let best: Descending | undefined;
    let bh: { at: number; seq: number } | undefined;
    for (const s of active) {
      const h = s.head();
      if (h !== undefined && (bh === undefined || after(h, bh))) { best = s; bh = h; }
    }
    if (next < pending.length && (bh === undefined || !after(bh, pending[next]!.bound))) {
      const s = pending[next++]!.open();
      if (s !== undefined) active.push(s);
      continue;
    }
    if (best === undefined || bh === undefined) return;
    const seq = bh.seq;
    best.advance();
    if (visit(seq)) return;
  }
}

/**
 * A source read in pages, each newest first (the B-tree's candidates): a page shorter than
 * `pageSize` is the last.
 */
export class PagedSource implements Descending {
  private items: ReadonlyArray<{ at: number; seq: number }>;
  private i = 0;

  constructor(private readonly page: (after: { at: number; seq: number } | undefined) => ReadonlyArray<{ at: number; seq: number }>, private readonly pageSize = Infinity) {
    this.items = page(undefined);
  }

  head(): { at: number; seq: number } | undefined {
    return this.items[this.i];
  }

  advance(): void {
    if (++this.i < this.items.length || this.items.length < this.pageSize) return;
    this.items = this.page(this.items[this.items.length - 1]!);
    this.i = 0;
  }
}
