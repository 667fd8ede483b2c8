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

/** Keeps the stream numbering of one scan: the same key gets the same index on every page. */
export class StreamNumbering {
  private readonly index = new Map<string, number>();
  readonly streams: PredictionStream[] = [];

  indexOf(s: PredictionStream): number {
    const key = `${s.endpoint}\u0000${s.variant}\u0000${s.role}\u0000${s.modelSha256}\u0000${s.model}\u0000${s.version}`;
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.streams.length;
      this.index.set(key, i);
      this.streams.push({ endpoint: s.endpoint, variant: s.variant, role: s.role, model: s.model, version: s.version, modelSha256: s.modelSha256 });
    }
    return i;
  }
}

/** Columns of rows already read as objects: the generic path, and what adapter-native scans must equal. */
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

/** The generic columnar scan over an adapter's row scan; adapters replace it with a native one when it pays. */
export async function* scanColumnsViaRows(rows: AsyncIterable<readonly StoredPrediction[]>): AsyncIterable<PredictionColumns> {
  const numbering = new StreamNumbering();
  for await (const page of rows) yield columnsFromRows(page, numbering);
}
