/** FNV-1a over UTF-16 code units: a stable 32-bit id for a token, so the memory stores numbers, not strings. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
