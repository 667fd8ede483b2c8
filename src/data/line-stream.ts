/**
 * Splits a text stream at LF into the complete lines each chunk finishes (a line's "\r" is kept;
 * callers decide what CR means). A final line without a line break is delivered at the end; a final
 * line break does not start another, empty line. Only the unfinished last line is carried between
 * chunks, so memory is one chunk plus the longest line.
 */
export async function* lineStream(text: AsyncIterable<string>): AsyncGenerator<string[]> {
  let carry = '';
  for await (const chunk of text) {
    const parts = chunk.split('\n');
    if (parts.length === 1) { carry += chunk; continue; }
    parts[0] = carry + parts[0]!;
    carry = parts.pop()!;
    yield parts;
  }
  if (carry !== '') yield [carry];
}

/** Plain text, one text per line: LF or CRLF line ends, blank lines kept as empty texts. */
export async function* textLines(text: AsyncIterable<string>): AsyncGenerator<string[]> {
  for await (const lines of lineStream(text)) {
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (l.endsWith('\r')) lines[i] = l.slice(0, -1);
    }
    yield lines;
  }
}
