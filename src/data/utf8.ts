import { InputError } from '../core/errors.js';

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Decodes a whole file as strict UTF-8 (a leading BOM is dropped). On invalid bytes it throws an
 * InputError saying on which line and at which byte the file breaks, because "invalid UTF-8" alone
 * sends a person hunting through a 40k-line file.
 */
export function decodeUtf8Strict(bytes: Uint8Array, file: string): string {
  try {
    return decoder.decode(bytes);
  } catch (e) {
    const at = firstInvalidUtf8Offset(bytes);
    // Valid bytes that still fail are too many for one string (about 512 MB): not an encoding problem.
    if (at < 0) throw e;
    throw invalidUtf8At(bytes, at, file, { lines: 0, offset: 0, lineStartOffset: 0 });
  }
}

/** Where a piece of a file starts: lines and bytes before it, and the offset at which its first line starts. */
export interface Utf8Position {
  readonly lines: number;
  readonly offset: number;
  readonly lineStartOffset: number;
}

/**
 * The error for invalid bytes at `at` within `bytes`, a piece of `file` that starts at `before`:
 * it names the line and the byte, counted over the whole file.
 */
export function invalidUtf8At(bytes: Uint8Array, at: number, file: string, before: Utf8Position): InputError {
  let line = before.lines + 1;
  let lineStart = before.lineStartOffset - before.offset;
  for (let i = 0; i < at; i++) {
    if (bytes[i] === 0x0a) { line++; lineStart = i + 1; }
  }
  const byteHex = at < bytes.length ? `0x${bytes[at]!.toString(16).padStart(2, '0')}` : 'end of file';
  const offset = before.offset + at;
  return new InputError(
    'invalid-utf8',
    `${file}: line ${line} is not valid UTF-8 (byte ${byteHex} at file offset ${offset}, byte ${at - lineStart + 1} of the line)`,
    { file, row: line, byteOffset: offset },
    'Save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8 in.csv > out.csv`).',
  );
}

/**
 * Offset of the first byte that makes `bytes` invalid UTF-8 (by the WHATWG rules TextDecoder uses:
 * no overlong forms, no surrogates, nothing above U+10FFFF), or -1 when the bytes are valid.
 */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) { i++; continue; }
    let need: number;
    let lower = 0x80;
    let upper = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lower = 0xa0;
      if (b === 0xed) upper = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lower = 0x90;
      if (b === 0xf4) upper = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return i;
      const c = bytes[i + k]!;
      const lo = k === 1 ? lower : 0x80;
      const hi = k === 1 ? upper : 0xbf;
      if (c < lo || c > hi) return i;
    }
    i += need + 1;
  }
  return -1;
}
