/**
 * 52-bit integer keys for the two lookups feedback joins on (a request id and position; an
 * endpoint and normalised-text hash). An index of small integers is a fraction of the size of one
 * of the strings (the text hash alone is 64 hex characters), so it takes fewer pages and fewer page
 * writes per insert. 52 bits keep a key a safe JS number (better-sqlite3 returns numbers, no BigInt
 * per row). Two different strings may share a key: a lookup always compares the full values on the
 * logged row too, so a collision costs one extra row read, never a wrong answer.
 *
 * The hash is FNV-1a (32 bits) beside a second multiplicative 32-bit mix over the UTF-16 code units,
 * 32 + 20 bits of them kept: no crypto call, no allocation. SQLite computes the same function (it is
 * registered on the connection) when it indexes rows, so JS and SQL always agree.
 */
export function lookupKey(s: string): number {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 16777619);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0) * 0x100000 + ((b >>> 0) & 0xfffff);
}

/** Key of one text of one request: findByRequestId(requestId, position). */
export function requestKey(requestId: string, position: number): number {
  return lookupKey(`${requestId}\u0000${position}`);
}

/** Key of a normalised text on an endpoint: findLatestByText(endpoint, textSha256). */
export function textKey(endpoint: string, textSha256: string): number {
  return lookupKey(`${endpoint}\u0000${textSha256}`);
}
