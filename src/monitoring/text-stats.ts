import { normaliseText } from '../text/normalise.js';
import { tokenSpans } from '../text/tokenise.js';

/**
 * What the drift detectors need of one production text, computed once when it is logged so that a
 * report never re-reads (or, with `logText: false`, never has) the text itself.
 */
export interface TextStats {
  /** UTF-16 length of the raw text. */
  readonly chars: number;
  /** Tokens of the normalised text (runs of letters and digits). */
  readonly tokens: number;
  /** Raw characters that are digits, upper case letters, and outside ASCII. */
  readonly digits: number;
  readonly upper: number;
  readonly nonAscii: number;
  /**
   * tokenHash() of the normalised text's distinct tokens in order of first appearance, at most
   * MAX_TOKEN_HASHES: the token-frequency sketch, the OOV rate and the domain classifier read these.
   */
  readonly tokenHashes: Uint32Array;
}

/** Enough for a product description or an offer title; longer texts keep their first tokens. */
export const MAX_TOKEN_HASHES = 48;

/** FNV-1a over the token's UTF-16 code units: 32 bits, stable across processes and versions (stored in logs). */
export function tokenHash(token: string): number {
  return tokenHashOf(token, 0, token.length);
}

/** tokenHash of text.slice(start, end), without making the slice (the log hashes every token it writes). */
export function tokenHashOf(text: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const starts = new Int32Array(1024);
const ends = new Int32Array(1024);
const scratch = new Uint32Array(MAX_TOKEN_HASHES);

/** Statistics of one raw text (normalised here with the same normaliseText every featuriser uses). */
export function computeTextStats(text: string): TextStats {
  return textStatsOfNormalised(text, normaliseText(text));
}

/**
 * computeTextStats for a caller that has normaliseText(text) already: the log writer also hashes it
 * for the text key, and normalising twice was a tenth of its time per row.
 */
export function textStatsOfNormalised(text: string, normalised: string): TextStats {
  const kept = countTextStats(text, normalised, counts, scratch, 0);
  return { chars: text.length, tokens: counts[0]!, digits: counts[1]!, upper: counts[2]!, nonAscii: counts[3]!, tokenHashes: scratch.slice(0, kept) };
}

const counts = new Int32Array(4);

/**
 * The statistics of one text without an object: tokens, digits, upper and non-ASCII characters go
 * to out[0..3], the distinct token hashes to hashes[at..], and their number is returned (at most
 * MAX_TOKEN_HASHES; `hashes` must have room for that many after `at`). The log writer's column path
 * takes it for non-ASCII texts (log/text-facts.ts does ASCII ones in one pass), writing a batch's
 * statistics straight into typed arrays.
 */
export function countTextStats(text: string, normalised: string, out: Int32Array, hashes: Uint32Array, at: number): number {
  let digits = 0;
  let upper = 0;
  let nonAscii = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) digits++;
    else if (c >= 0x41 && c <= 0x5a) upper++;
    else if (c > 0x7f) {
      nonAscii++;
      const ch = text[i]!;
      if (ch !== ch.toLowerCase()) upper++;
    }
  }
  const n = tokenSpans(normalised, starts, ends);
  let kept = 0;
  for (let k = 0; k < n && kept < MAX_TOKEN_HASHES; k++) {
    const h = tokenHashOf(normalised, starts[k]!, ends[k]!);
    let dup = false;
    for (let j = at; j < at + kept; j++) if (hashes[j] === h) { dup = true; break; }
    if (!dup) hashes[at + kept++] = h;
  }
  out[0] = n; out[1] = digits; out[2] = upper; out[3] = nonAscii;
  return kept;
}
