import type { UsedFeatures } from '../../../serving/entity-features.js';
import type { LoggedPrediction, StoredPrediction } from '../../log/logged-prediction.js';
import type { ColumnSource, PredictionStream } from '../prediction-columns.js';
import { requestKey, textKey } from '../lookup-keys.js';

/**
 * One segment of the prediction log: the rows one append wrote for one endpoint, as typed-array
 * columns in one BLOB (mon_segments.data, migration 4), so an append of N answers is one INSERT
 * instead of N rows of 20 parameters, and a scan reads a few BLOBs instead of N rows. Rows are kept
 * sorted by time (stable: insertion order among equal times) and row i has seq `seq0 + i`, so the
 * (at, seq) order of a scan is the segment's own order and retention by age or by oldest seq only
 * ever removes a prefix (mon_segments.skip).
 *
 * Layout: a Uint32 header (magic, rows, labels in the dictionary, part count, then each part's byte
 * length), then the parts, each starting at a multiple of 8 bytes so the typed arrays are views,
 * not copies. Strings (request ids, texts, text hashes, the label dictionary) are one UTF-8 part
 * each plus their lengths in UTF-16 code units (-1: null text), decoded once per segment and sliced.
 */
export interface SegmentRows extends ColumnSource {
  readonly length: number;
  readonly position: Int32Array;
  /** Row i's top-k: topLabel/topScore[topStart[i] .. topStart[i + 1]); topLabel indexes `labels`. */
  readonly topStart: Uint32Array;
  readonly topLabel: Int32Array;
  readonly topScore: Float64Array;
  /** lookup-keys.ts keys; NaN: none (no request id; a shadow row has no text key). */
  readonly requestKey: Float64Array;
  readonly textKey: Float64Array;
  requestId(i: number): string;
  textSha256(i: number): string;
  /** LoggedPrediction.features of row i (undefined: none recorded). */
  features(i: number): UsedFeatures | undefined;
  /** LoggedPrediction.answered of row i (undefined: no taxonomy was active, or an LSG1/LSG2 segment). */
  answered(i: number): string | undefined;
}

const MAGIC_V1 = 0x4c534731; // "LSG1": segments written before entity features were logged
/** "LSG2": one more numeric part (feature JSON lengths, -1 none) and one more string part (the JSON). */
const MAGIC_V2 = 0x4c534732;
/** "LSG3": one more numeric part, each row's answered code under a taxonomy (a label dictionary id, -1 none). */
const MAGIC = 0x4c534733;
/** Numeric parts and string parts of each format. */
const FORMATS = new Map([[MAGIC_V1, { numeric: 22, strings: 4 }], [MAGIC_V2, { numeric: 23, strings: 5 }], [MAGIC, { numeric: 24, strings: 5 }]]);

/** A string column: lengths (UTF-16 units, -1 null) and the concatenation. */
class Strings {
  private starts: Float64Array | undefined;
  constructor(private readonly lengths: Int32Array, private readonly joined: string) {}

  get(i: number): string | null {
    const starts = this.starts ??= this.prefix();
    const len = this.lengths[i]!;
    if (len < 0) return null;
    return this.joined.slice(starts[i], starts[i]! + len);
  }

  private prefix(): Float64Array {
    const s = new Float64Array(this.lengths.length);
    let at = 0;
    for (let i = 0; i < s.length; i++) {
      s[i] = at;
      const len = this.lengths[i]!;
      if (len > 0) at += len;
    }
    return s;
  }
}

/**
 * Packs rows of ONE endpoint (any streams) into a segment BLOB; `order` is the row order to store
 * (sorted by time), `streamIds[k]` the stream id of rows[order[k]]. Returns the bytes and the time
 * span and per-stream row counts the mon_segments row keeps beside them.
 */
export function encodeSegment(rows: readonly LoggedPrediction[], order: Int32Array | readonly number[], streamIds: Int32Array): Buffer {
  const n = order.length;
  const at = new Float64Array(n); const stream = new Int32Array(n); const position = new Int32Array(n);
  const score = new Float64Array(n); const latency = new Float64Array(n);
  const chars = new Int32Array(n); const tokens = new Int32Array(n); const digits = new Int32Array(n); const upper = new Int32Array(n); const nonAscii = new Int32Array(n);
  const hashStart = new Uint32Array(n + 1); const topStart = new Uint32Array(n + 1);
  const label = new Int32Array(n); const answered = new Int32Array(n); const rKey = new Float64Array(n); const tKey = new Float64Array(n);
  const idLen = new Int32Array(n); const textLen = new Int32Array(n); const shaLen = new Int32Array(n); const featureLen = new Int32Array(n);
  const features: string[] = [];
  const dict = new Map<string, number>();
  const labelId = (l: string): number => {
    let id = dict.get(l);
    if (id === undefined) { id = dict.size; dict.set(l, id); }
    return id;
  };
  let hashCount = 0;
  let topCount = 0;
  for (let k = 0; k < n; k++) {
    const r = rows[order[k]!]!;
    hashCount += r.stats.tokenHashes.length;
    topCount += r.topK.length;
  }
  const hashes = new Uint32Array(hashCount); const topLabel = new Int32Array(topCount); const topScore = new Float64Array(topCount);
  const ids: string[] = new Array(n); const texts: string[] = []; const shas: string[] = new Array(n);
  let h = 0;
  let t = 0;
  for (let k = 0; k < n; k++) {
    const r = rows[order[k]!]!;
    const s = r.stats;
    at[k] = r.at; stream[k] = streamIds[k]!; position[k] = r.position; score[k] = r.score; latency[k] = r.latencyMs;
    chars[k] = s.chars; tokens[k] = s.tokens; digits[k] = s.digits; upper[k] = s.upper; nonAscii[k] = s.nonAscii;
    hashStart[k] = h; hashes.set(s.tokenHashes, h); h += s.tokenHashes.length;
    topStart[k] = t;
    for (const e of r.topK) { topLabel[t] = labelId(e.label); topScore[t] = e.score; t++; }
    label[k] = labelId(r.label);
    answered[k] = r.answered === undefined ? -1 : labelId(r.answered);
    rKey[k] = r.requestId === '' ? Number.NaN : requestKey(r.requestId, r.position);
    tKey[k] = r.role === 'primary' ? textKey(r.endpoint, r.textSha256) : Number.NaN;
    ids[k] = r.requestId; idLen[k] = r.requestId.length;
    if (r.text === null) textLen[k] = -1; else { textLen[k] = r.text.length; texts.push(r.text); }
    shas[k] = r.textSha256; shaLen[k] = r.textSha256.length;
    if (r.features === undefined) featureLen[k] = -1; else { const f = JSON.stringify(r.features); featureLen[k] = f.length; features.push(f); }
  }
  hashStart[n] = h; topStart[n] = t;
  const labels = [...dict.keys()];
  const labelLen = Int32Array.from(labels, (l) => l.length);
  const utf8 = (parts: string[]) => Buffer.from(parts.join(''), 'utf8');
  return pack(n, labels.length, [at, stream, position, score, latency, chars, tokens, digits, upper, nonAscii, hashStart, hashes, topStart, topLabel, topScore,
    label, rKey, tKey, idLen, textLen, shaLen, labelLen, featureLen, answered], [utf8(ids), utf8(texts), utf8(shas), utf8(labels), utf8(features)]);
}

type Part = Float64Array | Int32Array | Uint32Array;

function pack(rows: number, labels: number, parts: Part[], strings: Buffer[]): Buffer {
  const all: Uint8Array[] = [...parts.map((p) => new Uint8Array(p.buffer, p.byteOffset, p.byteLength)), ...strings];
  const header = 4 + all.length;
  let size = align8(header * 4);
  for (const p of all) size += align8(p.byteLength);
  const out = Buffer.alloc(size);
  const head = new Uint32Array(out.buffer, out.byteOffset, header);
  head[0] = MAGIC; head[1] = rows; head[2] = labels; head[3] = all.length;
  let at = align8(header * 4);
  for (let i = 0; i < all.length; i++) {
    head[4 + i] = all[i]!.byteLength;
    out.set(all[i]!, at);
    at += align8(all[i]!.byteLength);
  }
  return out;
}

const align8 = (n: number) => (n + 7) & ~7;

/** The rows of a stored segment whose first row has seq `seq0`. */
export function decodeSegment(seq0: number, blob: Uint8Array): SegmentRows {
  // Views need 8-byte alignment: a driver's Buffer may sit anywhere in its pool.
  const bytes = blob.byteOffset % 8 === 0 ? blob : new Uint8Array(blob);
  const buf = bytes.buffer;
  const head = new Uint32Array(buf, bytes.byteOffset, 4);
  const format = FORMATS.get(head[0]!);
  if (format === undefined) throw new Error(`mon_segments row ${seq0}: not a log segment (bad magic)`);
  const v1 = head[0] === MAGIC_V1;
  const numeric = format.numeric;
  const n = head[1]!;
  const count = head[3]!;
  const expected = format.numeric + format.strings;
  if (count !== expected) throw new Error(`mon_segments row ${seq0}: ${count} parts, expected ${expected}`);
  const lens = new Uint32Array(buf, bytes.byteOffset + 16, count);
  let at = bytes.byteOffset + align8((4 + count) * 4);
  const views: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    views.push(new Uint8Array(buf, at, lens[i]));
    at += align8(lens[i]!);
  }
  const f64 = (i: number) => new Float64Array(buf, views[i]!.byteOffset, views[i]!.byteLength >>> 3);
  const i32 = (i: number) => new Int32Array(buf, views[i]!.byteOffset, views[i]!.byteLength >>> 2);
  const u32 = (i: number) => new Uint32Array(buf, views[i]!.byteOffset, views[i]!.byteLength >>> 2);
  const text = (i: number) => Buffer.from(buf, views[i]!.byteOffset, views[i]!.byteLength).toString('utf8');
  let ids: Strings | undefined;
  let texts: Strings | undefined;
  let shas: Strings | undefined;
  let features: Strings | undefined;
  const labelLen = i32(21);
  const labelText = text(numeric + 3);
  const labels: string[] = new Array(labelLen.length);
  for (let i = 0, o = 0; i < labelLen.length; o += labelLen[i]!, i++) labels[i] = labelText.slice(o, o + labelLen[i]!);
  const answeredIds = head[0] === MAGIC ? i32(23) : undefined;
  return {
    length: n, seqOf: (i) => seq0 + i,
    at: f64(0), stream: i32(1), position: i32(2), score: f64(3), latencyMs: f64(4),
    chars: i32(5), tokens: i32(6), digits: i32(7), upper: i32(8), nonAscii: i32(9),
    hashStart: u32(10), hashes: u32(11), topStart: u32(12), topLabel: i32(13), topScore: f64(14), label: i32(15), labels,
    requestKey: f64(16), textKey: f64(17),
    requestId: (i) => (ids ??= new Strings(i32(18), text(numeric))).get(i)!,
    text: (i) => (texts ??= new Strings(i32(19), text(numeric + 1))).get(i),
    textSha256: (i) => (shas ??= new Strings(i32(20), text(numeric + 2))).get(i)!,
    features: (i) => {
      if (v1) return undefined;
      const f = (features ??= new Strings(i32(22), text(numeric + 4))).get(i);
      return f === null ? undefined : JSON.parse(f) as UsedFeatures;
    },
    answered: (i) => (answeredIds === undefined || answeredIds[i]! < 0 ? undefined : labels[answeredIds[i]!]!),
  };
}

/** Old-format rows (mon_predictions, read as StoredPrediction) in the shape of a segment, so one merge reads both. */
export function segmentOfStoredRows(rows: readonly StoredPrediction[], streamIds: Int32Array): SegmentRows {
  const blob = encodeSegment(rows, Int32Array.from(rows, (_, i) => i), streamIds);
  const seg = decodeSegment(0, blob);
  const seqs = Float64Array.from(rows, (r) => r.seq);
  return { ...seg, seqOf: (i) => seqs[i]!, requestId: seg.requestId, text: seg.text, textSha256: seg.textSha256, features: seg.features, answered: seg.answered };
}

/** Row i of a segment as a StoredPrediction. */
export function storedPredictionOf(seg: SegmentRows, i: number, endpoint: string, stream: PredictionStream): StoredPrediction {
  const topK = [];
  for (let k = seg.topStart[i]!; k < seg.topStart[i + 1]!; k++) topK.push({ label: seg.labels[seg.topLabel[k]!]!, score: seg.topScore[k]! });
  const features = seg.features(i);
  const answered = seg.answered(i);
  return {
    ...(features === undefined ? {} : { features }),
    ...(answered === undefined ? {} : { answered }),
    seq: seg.seqOf(i), requestId: seg.requestId(i), position: seg.position[i]!, at: seg.at[i]!, endpoint,
    variant: stream.variant, role: stream.role, model: stream.model, version: stream.version, modelSha256: stream.modelSha256,
    text: seg.text(i), textSha256: seg.textSha256(i), label: seg.labels[seg.label[i]!]!, score: seg.score[i]!, topK, latencyMs: seg.latencyMs[i]!,
    stats: {
      chars: seg.chars[i]!, tokens: seg.tokens[i]!, digits: seg.digits[i]!, upper: seg.upper[i]!, nonAscii: seg.nonAscii[i]!,
      tokenHashes: seg.hashes.slice(seg.hashStart[i]!, seg.hashStart[i + 1]!),
    },
  };
}

/** First index in [lo, hi) whose time is >= t (rows are sorted by time). */
export function firstAtOrAfter(at: Float64Array, t: number, lo = 0, hi = at.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (at[mid]! < t) lo = mid + 1; else hi = mid;
  }
  return lo;
}
