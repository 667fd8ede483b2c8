/**
 * Watches a stream of bytes or text on its way through, for the files that are nothing but
 * whitespace (as String.prototype.trim sees it): readers treat those as empty, before any parsing
 * rule (a header, a JSON object) complains about them less clearly.
 */
export class BlankWatch {
  private sawContent = false;

  get blank(): boolean { return !this.sawContent; }

  /** Passes `source` through; once it ends, calls `onBlank` (which may throw) if it was blank. */
  async *pass<T extends Uint8Array | string>(source: AsyncIterable<T>, onBlank?: () => void): AsyncGenerator<T> {
    for await (const chunk of source) {
      if (!this.sawContent && !isBlank(chunk)) this.sawContent = true;
      yield chunk;
    }
    if (!this.sawContent) onBlank?.();
  }
}

function isBlank(chunk: Uint8Array | string): boolean {
  const first = typeof chunk === 'string' ? chunk.charCodeAt(0) : chunk[0];
  // The usual case, text from the first byte, is decided without decoding the chunk.
  if (first !== undefined && first > 0x20 && first < 0x7f) return false;
  return (typeof chunk === 'string' ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8')).trim() === '';
}
