import { textBeforeFeatures } from '../../text/feature-tokens.js';
import { normaliseText } from '../../text/normalise.js';

/**
 * Invoice lines repeat with other counts and packaging ("70CTNS X 120 PCS PLASTIC CUPS" against
 * "155 CTNS X 100 PCS PLASTIC CUPS"): the same goods, a different shipment. The near-duplicate
 * memory compares lines after folding what varies from shipment to shipment:
 * - lower case, NFKC (as every featuriser), split on anything that is not a letter or a digit;
 * - bare numbers dropped ("120", "1.5");
 * - packaging and counting words dropped, also when glued to a number ("70ctns", "x", "pkgs");
 * - other digit runs inside a token folded to '#', so "500ml" and "330ml" both read "#ml" (the
 *   unit says something about the goods, the amount does not).
 */
const PACKAGING: ReadonlySet<string> = new Set([
  'x', 'ctn', 'ctns', 'carton', 'cartons', 'cartoon', 'cartoons', 'cs', 'case', 'cases',
  'pc', 'pcs', 'pce', 'pces', 'piece', 'pieces', 'nos', 'no', 'qty', 'unit', 'units',
  'pkg', 'pkgs', 'package', 'packages', 'pk', 'pks', 'plt', 'plts', 'pallet', 'pallets',
  'doz', 'dz', 'dozen', 'dozens', 'bdl', 'bdls', 'ea', 'each',
]);

const TOKEN = /[\p{L}\p{N}]+/gu;
const DIGITS = /\d+/g;
const ALL_DIGITS = /^\d+$/;

/**
 * The folded tokens of a text, in order (duplicates kept). Entity-feature tokens (after
 * FEATURE_MARK, tokens-v2) are left out: the memory finds the same goods, not the same importer.
 */
export function nearDuplicateTokens(text: string): string[] {
  const out: string[] = [];
  for (const m of normaliseText(textBeforeFeatures(text)).matchAll(TOKEN)) {
    const token = m[0];
    if (ALL_DIGITS.test(token) || PACKAGING.has(token)) continue;
    // "70ctns" is a count glued to a packaging word; "500ml" keeps its unit.
    const letters = token.replace(DIGITS, '');
    if (letters !== token && PACKAGING.has(letters)) continue;
    out.push(letters === token ? token : token.replace(DIGITS, '#'));
  }
  return out;
}

/** The exact-match key: the folded tokens joined by one space. */
export function nearDuplicateKey(text: string): string {
  return nearDuplicateTokens(text).join(' ');
}
