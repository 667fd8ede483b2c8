import type { RankedLabel } from '../log/logged-prediction.js';

/**
 * The compact column forms both adapters store a prediction's arrays in, so a 1M-row log stays
 * small and appends stay fast (no JSON on the hot path):
 * - top-k labels: joined by U+001F (the ASCII unit separator; check-records refuses labels holding it);
 * - top-k scores: Float64Array bytes (8 per entry: exact round trip, where Float32 would change
 *   the scores a caller compares with `score`);
 * - token hashes: Uint32Array bytes.
 * Byte order is the machine's, little-endian on every platform Node ships for (x64, arm64).
 */
export const LABEL_SEPARATOR = '\u001f';

export function encodeTopLabels(topK: readonly RankedLabel[]): string {
  let s = topK[0]?.label ?? '';
  for (let i = 1; i < topK.length; i++) s += LABEL_SEPARATOR + topK[i]!.label;
  return s;
}

export function encodeTopScores(topK: readonly RankedLabel[]): Buffer {
  const scores = new Float64Array(topK.length);
  for (let i = 0; i < topK.length; i++) scores[i] = topK[i]!.score;
  return Buffer.from(scores.buffer, scores.byteOffset, scores.byteLength);
}

export function encodeTokenHashes(hashes: Uint32Array): Buffer {
  return Buffer.from(hashes.buffer, hashes.byteOffset, hashes.byteLength);
}

/** Copies (a driver's Buffer may sit at any byte offset, and typed arrays need aligned ones). */
export function decodeTokenHashes(bytes: Uint8Array): Uint32Array {
  const out = new Uint32Array(bytes.byteLength >>> 2);
  new Uint8Array(out.buffer).set(bytes.subarray(0, out.byteLength));
  return out;
}

export function decodeTopK(labels: string, scoreBytes: Uint8Array): RankedLabel[] {
  const scores = new Float64Array(scoreBytes.byteLength >>> 3);
  new Uint8Array(scores.buffer).set(scoreBytes.subarray(0, scores.byteLength));
  const names = labels.split(LABEL_SEPARATOR);
  const out: RankedLabel[] = new Array(scores.length);
  for (let i = 0; i < scores.length; i++) out[i] = { label: names[i] ?? '', score: scores[i]! };
  return out;
}
