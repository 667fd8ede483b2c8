import { hash } from 'node:crypto';
import { normaliseText } from '../../text/normalise.js';
import { countTextStats, MAX_TOKEN_HASHES } from '../text-stats.js';
import { normalisedTextSha256 } from './text-key.js';

/** The longest text the one-pass path takes; longer ones (rare in a log of short texts) take the string path. */
const MAX_FAST_CHARS = 4096;
/** Token spans counted at most, as tokenSpans does with text-stats' 1,024-entry arrays. */
const MAX_TOKENS = 1024;
const bytes = new Uint8Array(MAX_FAST_CHARS);

/**
 * What the log keeps of one text, data.slice(start, end): its key (the hex sha256 of
 * normaliseText(text), text-key.ts) and its statistics (countTextStats: counts to out[0..3], token
 * hashes to hashes[at..], their number returned). For an ASCII text, the usual case, in one pass
 * over the characters into a byte buffer: no lower-cased, collapsed and trimmed copies of the text,
 * and the hash reads the bytes rather than encoding a string again. That was a third of the writer
 * thread's time per row. Anything else takes the string path, and a test holds both equal.
 */
export function textFacts(data: string, start: number, end: number, out: Int32Array, hashes: Uint32Array, at: number): { sha256: string; kept: number } {
  const len = end - start;
  if (len > MAX_FAST_CHARS) return slowFacts(data.slice(start, end), out, hashes, at);
  let n = 0;
  let digits = 0;
  let upper = 0;
  let space = false;
  for (let i = start; i < end; i++) {
    let c = data.charCodeAt(i);
    if (c > 0x7f) return slowFacts(data.slice(start, end), out, hashes, at);
    // normaliseText on ASCII: lower case, runs of \s (tab, LF, VT, FF, CR, space) to one space, trimmed.
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) { space = n > 0; continue; }
    if (c >= 0x30 && c <= 0x39) digits++;
    else if (c >= 0x41 && c <= 0x5a) { upper++; c += 0x20; }
    if (space) { bytes[n++] = 0x20; space = false; }
    bytes[n++] = c;
  }
  out[1] = digits; out[2] = upper; out[3] = 0;
  // Tokens: runs of [a-z0-9] (upper case is lowered already); their distinct FNV-1a hashes as tokenHashOf.
  let tokens = 0;
  let kept = 0;
  let h = 0x811c9dc5;
  let inToken = false;
  for (let i = 0; i <= n && tokens < MAX_TOKENS; i++) {
    const c = i < n ? bytes[i]! : 0;
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) {
      if (!inToken) { inToken = true; h = 0x811c9dc5; }
      h = Math.imul(h ^ c, 0x01000193);
      continue;
    }
    if (!inToken) continue;
    inToken = false;
    tokens++;
    if (kept >= MAX_TOKEN_HASHES) continue;
    const u = h >>> 0;
    let dup = false;
    for (let j = at; j < at + kept; j++) if (hashes[j] === u) { dup = true; break; }
    if (!dup) hashes[at + kept++] = u;
  }
  out[0] = tokens;
  return { sha256: hash('sha256', bytes.subarray(0, n), 'hex'), kept };
}

function slowFacts(text: string, out: Int32Array, hashes: Uint32Array, at: number): { sha256: string; kept: number } {
  const normalised = normaliseText(text);
  const kept = countTextStats(text, normalised, out, hashes, at);
  return { sha256: normalisedTextSha256(normalised), kept };
}
