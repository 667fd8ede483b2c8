import { InputError } from '../../core/errors.js';
import { computeTextStats } from '../text-stats.js';
import { PROFILE_FORMAT, type NumericSummary, type ReferenceProfile, type ReferenceSample } from './reference-profile.js';
import { NUMERIC_DESCRIPTORS, type NumericDescriptor } from './text-descriptors.js';

/**
 * The reference profile as JSON text (what ProfileStore keeps). Typed arrays travel as base64 of
 * their little-endian bytes (every platform Node runs lading on is little-endian), a third larger
 * than the bytes instead of the 2-3x of number lists. `format` names the layout; decode checks every
 * field and says which one is wrong, because a profile is read back months after it was written.
 */
export function encodeProfile(p: ReferenceProfile): string {
  const numeric: Record<string, unknown> = {};
  for (const d of NUMERIC_DESCRIPTORS) {
    const s = p.numeric[d];
    numeric[d] = { count: s.count, mean: s.mean, std: s.std, quantiles: b64(s.quantiles) };
  }
  const s = p.sample;
  return JSON.stringify({
    format: p.format, rows: p.rows, trainTexts: p.trainTexts, accuracy: p.accuracy, labels: p.labels, numeric,
    predictedCounts: b64(p.predictedCounts),
    tokens: {
      texts: p.tokens.texts, total: p.tokens.total, bucketBits: p.tokens.bucketBits, bucketCounts: b64(p.tokens.bucketCounts),
      top: p.tokens.top.map((t) => [t.token, t.hash, t.df]),
    },
    vocabulary: encodeSortedHashes(p.vocabulary),
    sample: { texts: s.texts, predicted: b64(s.predicted), topScores: b64(s.topScores) },
    calibration: p.calibration,
  });
}

export function decodeProfile(json: string): ReferenceProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw bad('(whole text)', `is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const o = obj(raw, '(top level)');
  if (o['format'] !== PROFILE_FORMAT) {
    throw new InputError('profile-format', `reference profile format ${JSON.stringify(o['format'])} is not ${PROFILE_FORMAT}`,
      { field: 'format', expected: PROFILE_FORMAT, got: String(o['format']) },
      'rebuild the profile with this version of lading (lading monitor profile, or retrain / re-register the model)');
  }
  const labels = strings(o['labels'], 'labels');
  const L = labels.length;
  const numericRaw = obj(o['numeric'], 'numeric');
  const numeric = {} as Record<NumericDescriptor, NumericSummary>;
  for (const d of NUMERIC_DESCRIPTORS) {
    const f = `numeric.${d}`;
    const e = obj(numericRaw[d], f);
    const quantiles = typed(e['quantiles'], `${f}.quantiles`, Float32Array);
    if (quantiles.length === 0) throw bad(`${f}.quantiles`, 'is empty');
    for (let i = 1; i < quantiles.length; i++) if (!(quantiles[i]! >= quantiles[i - 1]!)) throw bad(`${f}.quantiles`, `is not sorted ascending (at ${i})`);
    numeric[d] = { count: count(e['count'], `${f}.count`), mean: finite(e['mean'], `${f}.mean`), std: nonNegative(e['std'], `${f}.std`), quantiles };
  }
  const predictedCounts = typed(o['predictedCounts'], 'predictedCounts', Uint32Array);
  if (predictedCounts.length !== L) throw bad('predictedCounts', `has ${predictedCounts.length} entries for ${L} labels`);

  const t = obj(o['tokens'], 'tokens');
  const bucketBits = count(t['bucketBits'], 'tokens.bucketBits');
  if (bucketBits < 4 || bucketBits > 20) throw bad('tokens.bucketBits', `is ${bucketBits}, not within 4..20`);
  const bucketCounts = typed(t['bucketCounts'], 'tokens.bucketCounts', Uint32Array);
  if (bucketCounts.length !== 1 << bucketBits) throw bad('tokens.bucketCounts', `has ${bucketCounts.length} buckets, 2^${bucketBits} expected`);
  const topRaw = t['top'];
  if (!Array.isArray(topRaw)) throw bad('tokens.top', 'is not a list');
  const top = topRaw.map((e: unknown, i) => {
    if (!Array.isArray(e) || e.length !== 3 || typeof e[0] !== 'string') throw bad(`tokens.top[${i}]`, 'is not [token, hash, df]');
    return { token: e[0], hash: count(e[1], `tokens.top[${i}].hash`), df: count(e[2], `tokens.top[${i}].df`) };
  });

  const vocabulary = decodeSortedHashes(o['vocabulary'], 'vocabulary');

  const sample = decodeSample(obj(o['sample'], 'sample'), L);
  const c = obj(o['calibration'], 'calibration');
  const scores = numbers(c['scores'], 'calibration.scores');
  const correct = numbers(c['correct'], 'calibration.correct');
  if (scores.length !== correct.length) throw bad('calibration', `has ${scores.length} scores and ${correct.length} correct flags`);
  if (correct.some((v) => v !== 0 && v !== 1)) throw bad('calibration.correct', 'holds values other than 0 and 1');

  return {
    format: PROFILE_FORMAT, rows: count(o['rows'], 'rows'), trainTexts: count(o['trainTexts'], 'trainTexts'), labels, numeric, predictedCounts,
    tokens: { texts: count(t['texts'], 'tokens.texts'), total: count(t['total'], 'tokens.total'), bucketBits, bucketCounts, top },
    vocabulary, sample, calibration: { scores, correct }, accuracy: finite(o['accuracy'], 'accuracy'),
  };
}

/**
 * The sample is stored as texts only: its stats (token hashes included) are recomputed here with
 * computeTextStats, the function that produced them and that computes every logged text's stats,
 * whose hashes are stable across versions (they are stored in logs); that halves the sample's size.
 */
function decodeSample(s: Record<string, unknown>, labelCount: number): ReferenceSample {
  const texts = strings(s['texts'], 'sample.texts');
  const n = texts.length;
  const predicted = typed(s['predicted'], 'sample.predicted', Int32Array);
  const topScores = typed(s['topScores'], 'sample.topScores', Float32Array);
  if (predicted.length !== n) throw bad('sample.predicted', `has ${predicted.length} entries for ${n} texts`);
  if (topScores.length !== n) throw bad('sample.topScores', `has ${topScores.length} entries for ${n} texts`);
  for (let i = 0; i < n; i++) if (predicted[i]! < 0 || predicted[i]! >= labelCount) throw bad('sample.predicted', `[${i}] = ${predicted[i]} is not a label index`);
  return { texts, stats: texts.map(computeTextStats), predicted, topScores };
}

/**
 * A sorted set of 32-bit hashes as base64 of LEB128 varints of the gaps: ~30k hashes spread over
 * 2^32 have gaps near 2^17, 3 bytes each instead of 4.
 */
function encodeSortedHashes(sorted: Uint32Array): string {
  const bytes = new Uint8Array(sorted.length * 5);
  let at = 0;
  let prev = 0;
  for (let i = 0; i < sorted.length; i++) {
    let gap = sorted[i]! - prev;
    prev = sorted[i]!;
    while (gap >= 0x80) { bytes[at++] = (gap & 0x7f) | 0x80; gap = Math.floor(gap / 128); }
    bytes[at++] = gap;
  }
  return Buffer.from(bytes.buffer, 0, at).toString('base64');
}

function decodeSortedHashes(v: unknown, field: string): Uint32Array {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw bad(field, 'is not a base64 string');
  const bytes = Buffer.from(v, 'base64');
  const out: number[] = [];
  let prev = 0;
  let at = 0;
  while (at < bytes.length) {
    let gap = 0;
    let scale = 1;
    for (;;) {
      if (at >= bytes.length) throw bad(field, 'ends inside a number');
      const b = bytes[at++]!;
      gap += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) break;
      if (scale > 2 ** 35) throw bad(field, 'holds a number longer than 32 bits');
    }
    if (out.length > 0 && gap === 0) throw bad(field, `is not sorted and distinct (at ${out.length})`);
    prev += gap;
    if (prev > 0xffffffff) throw bad(field, 'holds a hash above 2^32');
    out.push(prev);
  }
  return Uint32Array.from(out);
}

type TypedCtor<T> = { new (buffer: ArrayBuffer): T; readonly BYTES_PER_ELEMENT: number };

function b64(a: Uint32Array | Int32Array | Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function typed<T>(v: unknown, field: string, ctor: TypedCtor<T>): T {
  if (typeof v !== 'string') throw bad(field, 'is not a base64 string');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw bad(field, 'is not valid base64');
  const bytes = Buffer.from(v, 'base64');
  if (bytes.length % ctor.BYTES_PER_ELEMENT !== 0) throw bad(field, `holds ${bytes.length} bytes, not a whole number of ${ctor.BYTES_PER_ELEMENT}-byte values`);
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  const out = new ctor(copy);
  if (out instanceof Float32Array) for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i]!)) throw bad(field, `holds a non-finite value at ${i}`);
  return out;
}

function obj(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(field, 'is not an object');
  return v as Record<string, unknown>;
}

function strings(v: unknown, field: string): string[] {
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw bad(field, 'is not a list of strings');
  return v as string[];
}

function numbers(v: unknown, field: string): number[] {
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'number' || !Number.isFinite(s))) throw bad(field, 'is not a list of finite numbers');
  return v as number[];
}

function finite(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(field, 'is not a finite number');
  return v;
}

function nonNegative(v: unknown, field: string): number {
  const x = finite(v, field);
  if (x < 0) throw bad(field, `is negative (${x})`);
  return x;
}

function count(v: unknown, field: string): number {
  const x = finite(v, field);
  if (!Number.isInteger(x) || x < 0) throw bad(field, `is not a whole number >= 0 (${x})`);
  return x;
}

function bad(field: string, what: string): InputError {
  return new InputError('profile-invalid', `reference profile field ${field} ${what}`, { field },
    'the stored profile is damaged or was not written by encodeProfile; rebuild it from the model\'s validation split');
}
