import type { UsedFeatures } from '../../../serving/entity-features.js';
import { rankedOf, type LoggedColumns } from '../../log/batch-columns.js';
import { LOGGED_TOP_K, type LoggedPrediction, type StoredPrediction } from '../../log/logged-prediction.js';
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
  /**
   * lookup-keys.ts keys; NaN: none (no request id; a shadow row has no text key). A row that
   * continues its request (position p > 0 right after the same request's position p-1, in the same
   * stream, back to a position 0 in this segment) has no request key either: a lookup finds it from
   * position 0's key at seq + p. A 32-text request then adds one key entry, not 32: the lookup
   * catch-up's B-tree inserts were the largest part of the log writer's CPU (2026-12-07).
   */
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
  return encodeSegmentWithKeys(rows, order, streamIds).blob;
}

/**
 * A written segment and the columns the lookups index (its rows' times, request keys and text
 * keys, in stored order), so that an append need not decode the BLOB it has just made.
 */
export interface EncodedSegment {
  readonly blob: Buffer;
  readonly at: Float64Array;
  readonly requestKey: Float64Array;
  readonly textKey: Float64Array;
}

/** encodeSegment, with the key columns (see EncodedSegment). */
export function encodeSegmentWithKeys(rows: readonly LoggedPrediction[], order: Int32Array | readonly number[], streamIds: Int32Array): EncodedSegment {
  const n = order.length;
  let hashCount = 0;
  let topCount = 0;
  for (let k = 0; k < n; k++) {
    const r = rows[order[k]!]!;
    hashCount += r.stats.tokenHashes.length;
    topCount += r.topK.length;
  }
  const p = new SegmentParts(n, hashCount, topCount);
  let h = 0;
  let t = 0;
  let run = false;
  for (let k = 0; k < n; k++) {
    const r = rows[order[k]!]!;
    const s = r.stats;
    p.at[k] = r.at; p.stream[k] = streamIds[k]!; p.position[k] = r.position; p.score[k] = r.score; p.latency[k] = r.latencyMs;
    p.chars[k] = s.chars; p.tokens[k] = s.tokens; p.digits[k] = s.digits; p.upper[k] = s.upper; p.nonAscii[k] = s.nonAscii;
    p.hashStart[k] = h; p.hashes.set(s.tokenHashes, h); h += s.tokenHashes.length;
    p.topStart[k] = t;
    for (const e of r.topK) { p.topLabel[t] = p.labelId(e.label); p.topScore[t] = e.score; t++; }
    p.label[k] = p.labelId(r.label);
    p.answered[k] = r.answered === undefined ? -1 : p.labelId(r.answered);
    const prev = k > 0 ? rows[order[k - 1]!]! : undefined;
    const continues = run && continuesRequest(prev!.requestId, prev!.position, r.requestId, r.position, streamIds, k);
    run = inRun(r.requestId, r.position, continues);
    p.rKey[k] = r.requestId === '' || continues ? Number.NaN : requestKey(r.requestId, r.position);
    p.tKey[k] = r.role === 'primary' ? textKey(r.endpoint, r.textSha256) : Number.NaN;
    p.strings(k, r.requestId, r.text, r.textSha256, r.features === undefined ? undefined : JSON.stringify(r.features));
  }
  p.hashStart[n] = h; p.topStart[n] = t;
  return p.encoded();
}

/**
 * encodeSegment for a log batch's columns (log/batch-columns.ts): the same bytes as encodeSegment
 * of rowsOfColumns(cols) (a test holds them equal), without a row object per text. The label
 * dictionary is filled in the same order (each row's top-k, then its label, then its answered
 * code), through a per-key table from class id to dictionary id, so a label string is looked up
 * once per key and segment rather than six times a row.
 */
export function encodeColumnsSegment(cols: LoggedColumns, order: Int32Array | readonly number[], streamIds: Int32Array): Buffer {
  return encodeColumnsSegmentWithKeys(cols, order, streamIds).blob;
}

/** encodeColumnsSegment, with the key columns (see EncodedSegment). */
export function encodeColumnsSegmentWithKeys(cols: LoggedColumns, order: Int32Array | readonly number[], streamIds: Int32Array): EncodedSegment {
  const { batch } = cols;
  const n = order.length;
  const classIds = batch.keys.map((k) => new Int32Array(k.classes).fill(-1));
  let hashCount = 0;
  let topCount = 0;
  for (let k = 0; k < n; k++) {
    const r = order[k]!;
    hashCount += cols.hashStart[r + 1]! - cols.hashStart[r]!;
    topCount += rankedOf(batch.keys[cols.key[r]!]!);
  }
  const p = new SegmentParts(n, hashCount, topCount);
  let h = 0;
  let t = 0;
  let run = false;
  for (let k = 0; k < n; k++) {
    const r = order[k]!;
    const c = cols.call[r]!;
    const keyIndex = cols.key[r]!;
    const key = batch.keys[keyIndex]!;
    const labels = cols.labelLists[keyIndex]!;
    const dictOf = classIds[keyIndex]!;
    p.at[k] = batch.callAt[c]!; p.stream[k] = streamIds[k]!; p.position[k] = cols.position[r]!; p.latency[k] = batch.callLatencyMs[c]!;
    p.chars[k] = cols.chars[r]!; p.tokens[k] = cols.tokens[r]!; p.digits[k] = cols.digits[r]!; p.upper[k] = cols.upper[r]!; p.nonAscii[k] = cols.nonAscii[r]!;
    p.hashStart[k] = h;
    for (let j = cols.hashStart[r]!, end = cols.hashStart[r + 1]!; j < end; j++) p.hashes[h++] = cols.hashes[j]!;
    p.topStart[k] = t;
    const ranked = rankedOf(key);
    for (let j = 0, from = r * LOGGED_TOP_K; j < ranked; j++, from++) {
      const cls = batch.rankIds[from]!;
      let id = dictOf[cls]!;
      if (id < 0) { id = p.labelId(labels[cls]!); dictOf[cls] = id; }
      p.topLabel[t] = id; p.topScore[t] = batch.rankScores[from]!; t++;
    }
    p.score[k] = ranked > 0 ? batch.rankScores[r * LOGGED_TOP_K]! : 0;
    p.label[k] = ranked > 0 ? p.topLabel[p.topStart[k]!]! : p.labelId('');
    const code = cols.answered[r];
    p.answered[k] = code === undefined ? -1 : p.labelId(code);
    const requestId = cols.requestId[r]!;
    const continues = run && continuesRequest(cols.requestId[order[k - 1]!]!, p.position[k - 1]!, requestId, p.position[k]!, streamIds, k);
    run = inRun(requestId, p.position[k]!, continues);
    p.rKey[k] = requestId === '' || continues ? Number.NaN : requestKey(requestId, p.position[k]!);
    const sha = cols.textSha256[r]!;
    p.tKey[k] = key.role === 'primary' ? textKey(key.endpoint, sha) : Number.NaN;
    p.strings(k, requestId, key.logText ? cols.text[r]! : null, sha, cols.featureJson[r]);
  }
  p.hashStart[n] = h; p.topStart[n] = t;
  return p.encoded();
}

/** Whether stored row k continues the request of row k - 1 (in a run: see SegmentRows.requestKey). */
function continuesRequest(prevId: string, prevPosition: number, id: string, position: number, streamIds: Int32Array, k: number): boolean {
  return prevId === id && prevPosition === position - 1 && streamIds[k - 1] === streamIds[k];
}

/** Whether a row starts or continues a run that the next row of its request may continue. */
const inRun = (id: string, position: number, continues: boolean): boolean => id !== '' && (position === 0 || continues);

/** The parts of one segment being written, in the order of the format (see the header comment). */
class SegmentParts {
  readonly at: Float64Array; readonly stream: Int32Array; readonly position: Int32Array; readonly score: Float64Array; readonly latency: Float64Array;
  readonly chars: Int32Array; readonly tokens: Int32Array; readonly digits: Int32Array; readonly upper: Int32Array; readonly nonAscii: Int32Array;
  readonly hashStart: Uint32Array; readonly hashes: Uint32Array; readonly topStart: Uint32Array; readonly topLabel: Int32Array; readonly topScore: Float64Array;
  readonly label: Int32Array; readonly answered: Int32Array; readonly rKey: Float64Array; readonly tKey: Float64Array;
  private readonly idLen: Int32Array; private readonly textLen: Int32Array; private readonly shaLen: Int32Array; private readonly featureLen: Int32Array;
  private readonly ids: string[]; private readonly texts: string[] = []; private readonly shas: string[]; private readonly features: string[] = [];
  private readonly dict = new Map<string, number>();

  constructor(private readonly rows: number, hashCount: number, topCount: number) {
    const n = rows;
    this.at = new Float64Array(n); this.stream = new Int32Array(n); this.position = new Int32Array(n); this.score = new Float64Array(n); this.latency = new Float64Array(n);
    this.chars = new Int32Array(n); this.tokens = new Int32Array(n); this.digits = new Int32Array(n); this.upper = new Int32Array(n); this.nonAscii = new Int32Array(n);
    this.hashStart = new Uint32Array(n + 1); this.hashes = new Uint32Array(hashCount);
    this.topStart = new Uint32Array(n + 1); this.topLabel = new Int32Array(topCount); this.topScore = new Float64Array(topCount);
    this.label = new Int32Array(n); this.answered = new Int32Array(n); this.rKey = new Float64Array(n); this.tKey = new Float64Array(n);
    this.idLen = new Int32Array(n); this.textLen = new Int32Array(n); this.shaLen = new Int32Array(n); this.featureLen = new Int32Array(n);
    this.ids = new Array(n); this.shas = new Array(n);
  }

  /** A label's id in the segment's dictionary (ids in order of first use). */
  labelId(l: string): number {
    let id = this.dict.get(l);
    if (id === undefined) { id = this.dict.size; this.dict.set(l, id); }
    return id;
  }

  /** Row k's request id, text (null: not logged), text hash and features JSON (undefined: none). */
  strings(k: number, requestId: string, text: string | null, sha: string, featureJson: string | undefined): void {
    this.ids[k] = requestId; this.idLen[k] = requestId.length;
    if (text === null) this.textLen[k] = -1; else { this.textLen[k] = text.length; this.texts.push(text); }
    this.shas[k] = sha; this.shaLen[k] = sha.length;
    if (featureJson === undefined) this.featureLen[k] = -1; else { this.featureLen[k] = featureJson.length; this.features.push(featureJson); }
  }

  /** The bytes, and the key columns as they are (they are copied into the bytes, not shared with them). */
  encoded(): EncodedSegment {
    return { blob: this.bytes(), at: this.at, requestKey: this.rKey, textKey: this.tKey };
  }

  bytes(): Buffer {
    const labels = [...this.dict.keys()];
    const labelLen = Int32Array.from(labels, (l) => l.length);
    return pack(this.rows, labels.length, [this.at, this.stream, this.position, this.score, this.latency, this.chars, this.tokens, this.digits, this.upper,
      this.nonAscii, this.hashStart, this.hashes, this.topStart, this.topLabel, this.topScore, this.label, this.rKey, this.tKey, this.idLen, this.textLen,
      this.shaLen, labelLen, this.featureLen, this.answered], [this.ids.join(''), this.texts.join(''), this.shas.join(''), labels.join(''), this.features.join('')]);
  }
}

type Part = Float64Array | Int32Array | Uint32Array;

/** The segment's bytes: the numeric parts copied, the string parts encoded as UTF-8 in place (no Buffer of each first). */
function pack(rows: number, labels: number, parts: Part[], strings: string[]): Buffer {
  const numeric = parts.map((p) => new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
  const stringBytes = strings.map((t) => Buffer.byteLength(t, 'utf8'));
  const count = numeric.length + strings.length;
  const header = 4 + count;
  let size = align8(header * 4);
  for (const p of numeric) size += align8(p.byteLength);
  for (const b of stringBytes) size += align8(b);
  const out = Buffer.alloc(size);
  const head = new Uint32Array(out.buffer, out.byteOffset, header);
  head[0] = MAGIC; head[1] = rows; head[2] = labels; head[3] = count;
  let at = align8(header * 4);
  for (let i = 0; i < numeric.length; i++) {
    head[4 + i] = numeric[i]!.byteLength;
    out.set(numeric[i]!, at);
    at += align8(numeric[i]!.byteLength);
  }
  for (let i = 0; i < strings.length; i++) {
    head[4 + numeric.length + i] = stringBytes[i]!;
    out.write(strings[i]!, at, stringBytes[i]!, 'utf8');
    at += align8(stringBytes[i]!);
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
