import { sha256Hex } from '../../core/hash.js';
import { normaliseText } from '../../text/normalise.js';

/**
 * The key a text is logged and joined under: hex sha256 of its normalised form, so feedback that
 * spells a text with other case or spacing still finds the prediction, and a log that keeps no text
 * (`logText: false`) can still be joined.
 */
export function textSha256(text: string): string {
  return sha256Hex(normaliseText(text));
}
