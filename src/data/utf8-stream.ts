import { isUtf8 } from 'node:buffer';
import { firstInvalidUtf8Offset, invalidUtf8At, type Utf8Position } from './utf8.js';

const BOM = [0xef, 0xbb, 0xbf] as const;

/**
 * Decodes a byte stream as strict UTF-8, chunk by chunk, with the same rules and the same error as
 * decodeUtf8Strict (a leading BOM dropped; invalid bytes name the line and the byte, counted over
 * the whole stream).
 */
export async function* decodeUtf8Stream(source: AsyncIterable<Uint8Array | string>, file: string): AsyncGenerator<string> {
  for await (const bytes of checkUtf8Stream(source, file)) yield bytes.toString('utf8');
}

/**
 * The bytes of a stream, checked to be strict UTF-8 (the rules and error of decodeUtf8Strict), in
 * pieces that each end on a character boundary, BOM dropped: for parsers that take bytes. A
 * character split across chunks is held back until its last byte arrives (at most three bytes).
 */
export async function* checkUtf8Stream(source: AsyncIterable<Uint8Array | string>, file: string): AsyncGenerator<Buffer> {
  let carry: Buffer = Buffer.alloc(0);
  let atStart = true;
  let position: Utf8Position = { lines: 0, offset: 0, lineStartOffset: 0 };

  const check = (bytes: Buffer): Buffer => {
    if (!isUtf8(bytes)) throw invalidUtf8At(bytes, Math.max(firstInvalidUtf8Offset(bytes), 0), file, position);
    position = advance(position, bytes);
    return bytes;
  };

  for await (const chunk of source) {
    const incoming = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let bytes = carry.length > 0 ? Buffer.concat([carry, incoming]) : incoming;
    if (atStart) {
      // Too short to tell whether it is a BOM: wait for more.
      if (bytes.length < BOM.length && bytes.every((b, i) => b === BOM[i])) { carry = bytes; continue; }
      atStart = false;
      if (bytes[0] === BOM[0] && bytes[1] === BOM[1] && bytes[2] === BOM[2]) {
        bytes = bytes.subarray(BOM.length);
        position = { lines: 0, offset: BOM.length, lineStartOffset: 0 };
      }
    }
    const cut = completeLength(bytes);
    carry = Buffer.from(bytes.subarray(cut));
    if (cut > 0) yield check(bytes.subarray(0, cut));
  }
  // What is left is an incomplete character (an error) or a file of one or two bytes.
  if (carry.length > 0) yield check(carry);
}

/** Length of the longest prefix of `bytes` that does not end inside a multi-byte character. */
function completeLength(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = bytes[n - back]!;
    if (b < 0x80) return n;
    if (b >= 0xc0) {
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return need > back ? n - back : n;
    }
  }
  return n;
}

function advance(before: Utf8Position, bytes: Buffer): Utf8Position {
  let lines = before.lines;
  let lineStartOffset = before.lineStartOffset;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) {
    lines++;
    lineStartOffset = before.offset + i + 1;
  }
  return { lines, offset: before.offset + bytes.length, lineStartOffset };
}
