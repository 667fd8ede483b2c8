/**
 * Text normalisation shared by dataset statistics, split grouping and every featuriser, so that
 * "the same text" means the same thing everywhere: NFKC (only when non-ASCII is present, since it is
 * the costly step), lower case, runs of whitespace folded to one space, trimmed.
 */
export function normaliseText(text: string): string {
  let t = text;
  if (!isAscii(t)) t = t.normalize('NFKC');
  return t.toLowerCase().replace(/\s+/g, ' ').trim();
}

export function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}
