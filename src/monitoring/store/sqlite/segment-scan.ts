import { firstAtOrAfter, type SegmentRows } from './log-segment.js';

/** A mon_segments row without its data: what a scan plans with. */
export interface SegmentMeta {
  readonly seq: number;
  readonly rows: number;
  readonly skip: number;
  readonly minAt: number;
  readonly maxAt: number;
  /** Live rows per stream id: "id:count,id:count". */
  readonly streams: string;
}

/** Which rows of an endpoint a scan yields: [since, until), allowed streams, and at or after (startAt, startSeq). */
export interface RowFilter {
  readonly since: number;
  readonly until: number;
  readonly allowed: (streamId: number) => boolean;
  readonly startAt: number;
  readonly startSeq: number;
}

/** Live rows per stream of a segment, parsed from SegmentMeta.streams. */
export function streamCounts(streams: string): Array<[number, number]> {
  if (streams === '') return [];
  return streams.split(',').map((p) => {
    const [id, n] = p.split(':');
    return [Number(id), Number(n)];
  });
}

export function formatStreamCounts(stream: Int32Array, from: number, to: number): string {
  const counts = new Map<number, number>();
  for (let i = from; i < to; i++) counts.set(stream[i]!, (counts.get(stream[i]!) ?? 0) + 1);
  return [...counts].map(([id, n]) => `${id}:${n}`).join(',');
}

/** The rows [lo, hi) of a segment that a filter keeps by time and start key (the stream is checked per row). */
export function rangeOf(seg: SegmentRows, skip: number, f: RowFilter): { lo: number; hi: number } {
  const hi = firstAtOrAfter(seg.at, f.until, skip);
  let lo = firstAtOrAfter(seg.at, Math.max(f.since, f.startAt), skip, hi);
  while (lo < hi && seg.at[lo] === f.startAt && seg.seqOf(lo) < f.startSeq) lo++;
  return { lo, hi };
}

class Cursor {
  constructor(public seg: SegmentRows, public i: number, public end: number, readonly refill?: () => SegmentRows | undefined) {}
}

/**
 * The rows of several segments (and of a chunked old-format source) merged in (at, seq) order.
 * Segments are opened lazily in order of their oldest time: one whose oldest row is newer than
 * the row about to be taken cannot hold an earlier one. Segments of one endpoint written by one log
 * writer barely overlap in time, so usually one or two are open.
 */
export class MergedRows {
  private readonly open: Cursor[] = [];
  private next = 0;
  seg: SegmentRows | undefined;
  i = 0;

  /**
   * `metas` sorted by minAt then seq; `load` reads a segment (undefined: pruned since) and its
   * current skip; `old`, given, yields the old-format rows in order, already filtered, chunk by chunk.
   */
  constructor(private readonly metas: readonly SegmentMeta[], private readonly load: (m: SegmentMeta) => { seg: SegmentRows; skip: number } | undefined,
    private readonly filter: RowFilter, old?: () => SegmentRows | undefined) {
    if (old !== undefined) {
      const first = old();
      if (first !== undefined && first.length > 0) this.open.push(new Cursor(first, 0, first.length, old));
    }
  }

  /** Moves to the next row (seg, i); false when there is none. */
  advance(): boolean {
    for (;;) {
      let best: Cursor | undefined;
      let bestIndex = -1;
      for (let k = 0; k < this.open.length; k++) {
        const c = this.open[k]!;
        if (best === undefined || c.seg.at[c.i]! < best.seg.at[best.i]! || (c.seg.at[c.i] === best.seg.at[best.i] && c.seg.seqOf(c.i) < best.seg.seqOf(best.i))) {
          best = c;
          bestIndex = k;
        }
      }
      const m = this.metas[this.next];
      if (m !== undefined && (best === undefined || m.minAt <= best.seg.at[best.i]!)) {
        this.next++;
        this.openSegment(m);
        continue;
      }
      if (best === undefined) return false;
      this.seg = best.seg;
      this.i = best.i;
      if (!this.step(best)) this.open.splice(bestIndex, 1);
      return true;
    }
  }

  private openSegment(m: SegmentMeta): void {
    const got = this.load(m);
    if (got === undefined) return;
    const { lo, hi } = rangeOf(got.seg, Math.max(m.skip, got.skip), this.filter);
    const c = new Cursor(got.seg, lo - 1, hi);
    if (this.step(c)) this.open.push(c);
  }

  /** Moves a cursor to its next kept row; false when it has none left. */
  private step(c: Cursor): boolean {
    const allowed = this.filter.allowed;
    for (;;) {
      c.i++;
      while (c.i < c.end) {
        if (c.refill !== undefined || allowed(c.seg.stream[c.i]!)) return true;
        c.i++;
      }
      const more = c.refill?.();
      if (more === undefined || more.length === 0) return false;
      c.seg = more;
      c.i = -1;
      c.end = more.length;
    }
  }
}
