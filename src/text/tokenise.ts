/**
 * Tokens are maximal runs of letters and digits in a normalised (lower-cased) string. Boundaries are
 * written into caller-owned typed arrays so the hot path allocates nothing per token.
 */
const ALNUM_RE = /[\p{L}\p{N}\p{M}]/u;

/** Is the UTF-16 code unit at i part of a token? ASCII fast path; others checked by Unicode class. */
export function isTokenChar(text: string, code: number, i: number): boolean {
  if (code < 0x80) {
    return (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a);
  }
  // Surrogate halves belong to the token of the code point they form.
  if (code >= 0xd800 && code <= 0xdfff) {
    const cp = text.codePointAt(code <= 0xdbff ? i : i - 1) ?? code;
    return ALNUM_RE.test(String.fromCodePoint(cp));
  }
  return ALNUM_RE.test(text[i]!);
}

/**
 * Finds token spans [starts[k], ends[k]) in text; returns how many were written (at most
 * starts.length; a longer text is cut there, which bounds work per text).
 */
export function tokenSpans(text: string, starts: Int32Array, ends: Int32Array): number {
  const cap = starts.length;
  let n = 0;
  let start = -1;
  const len = text.length;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    if (isTokenChar(text, c, i)) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      starts[n] = start; ends[n] = i; n++;
      start = -1;
      if (n === cap) return n;
    }
  }
  if (start >= 0 && n < cap) { starts[n] = start; ends[n] = len; n++; }
  return n;
}

/** Tokens as strings (allocates: for statistics and explanations, not for hot paths). */
export function tokens(normalisedText: string): string[] {
  const starts = new Int32Array(1024);
  const ends = new Int32Array(1024);
  const n = tokenSpans(normalisedText, starts, ends);
  const out: string[] = [];
  for (let k = 0; k < n; k++) out.push(normalisedText.slice(starts[k], ends[k]));
  return out;
}
