import { hash } from 'node:crypto';
import { normaliseText } from '../../text/normalise.js';

/**
 * The key a text is logged and joined under: hex sha256 of its normalised form, so feedback that
 * spells a text with other case or spacing still finds the prediction, and a log that keeps no text
 * (`logText: false`) can still be joined. crypto.hash (one call, no Hash object) is several times
 * cheaper than createHash for a short text, and the log hashes every text it writes.
 */
export function textSha256(text: string): string {
  return normalisedTextSha256(normaliseText(text));
}

/** textSha256 of a text already normalised with normaliseText. */
export function normalisedTextSha256(normalised: string): string {
  return hash('sha256', normalised, 'hex');
}
