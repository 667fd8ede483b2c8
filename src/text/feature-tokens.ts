import type { InputFeatures } from '../core/artifact-format.js';
import type { FeatureCell } from '../core/dataset.js';
import { ArtifactError } from '../core/errors.js';

/**
 * Entity features as extra words of the text, so every model kind takes them without a change to
 * its featuriser: each present value becomes a token `zf<column><value>`, letters and digits only
 * (the tokeniser keeps it whole), the column and a categorical value hashed (FNV-1a, base 36), a
 * number binned by sign and log2 (0, 1, 2-3, 4-7, ...; shares below 1 by halves), a boolean t/f.
 * A null (no value at that time, an unknown key) adds nothing: the model then sees the text alone,
 * as it did for training examples without a value. Training and serving call the same function.
 *
 * An artifact records the encoding, and a model whose artifact names one this lading does not know
 * is refused rather than fed inputs it never saw. Two are written:
 * - `tokens-v1`: the tokens follow the text after a space, so a model reads them as more words of
 *   the text (linear, the deep kinds).
 * - `tokens-v2`: the same tokens after FEATURE_MARK instead, so a model can tell them from the text:
 *   fasttext reads them as separate inputs rather than as words inside its averaged text vector
 *   (there, as words, their character n-grams and the bigram with the text's last word swamped the
 *   text and training diverged; src/models/fasttext/featurise.ts). The mark is not a token
 *   character, so a model that does not look for it reads what it read in tokens-v1.
 * Tried and dropped (bench/features-gain.ts, README): writing each value as several tokens so that
 * it weighs more in fasttext's average; it made the linear and fasttext models worse, not better.
 */
export type FeatureEncoding = 'tokens-v1' | 'tokens-v2';
export const FEATURE_ENCODING: FeatureEncoding = 'tokens-v1';
const KNOWN: readonly string[] = ['tokens-v1', 'tokens-v2'];

/** Separates the text from its feature tokens in tokens-v2 (ASCII unit separator: never typed in a product text). */
export const FEATURE_MARK = '\u001f';

/** The text part of a model input: everything before FEATURE_MARK (tokens-v2), or all of it. */
export function textBeforeFeatures(input: string): string {
  const mark = input.indexOf(FEATURE_MARK);
  return mark < 0 ? input : input.slice(0, mark);
}

/** The input-features record a model trained now on `columns` carries. */
export function currentInputFeatures(columns: readonly string[], encoding: FeatureEncoding = FEATURE_ENCODING): InputFeatures {
  return { columns: [...columns], encoding };
}

export function featureTokens(columns: readonly string[], cells: readonly FeatureCell[]): string {
  let out = '';
  for (let c = 0; c < columns.length; c++) {
    const v = cells[c];
    if (v === null || v === undefined) continue;
    out += ` zf${columnHash(columns[c]!)}${valueToken(v)}`;
  }
  return out;
}

/** A column's hash, made once: a model has a handful of columns, and every served text with features writes each. */
const columnHashes = new Map<string, string>();

function columnHash(column: string): string {
  let h = columnHashes.get(column);
  if (h === undefined) {
    h = hash36(column);
    if (columnHashes.size < 4096) columnHashes.set(column, h);
  }
  return h;
}

/** The text a model with input features reads: the text, then its feature tokens. */
export function textWithFeatures(text: string, features: InputFeatures, cells: readonly FeatureCell[]): string {
  if (!KNOWN.includes(features.encoding)) throw unknownEncoding(features);
  const tokens = featureTokens(features.columns, cells);
  if (features.encoding === 'tokens-v1' || tokens === '') return text + tokens;
  // A mark inside the text itself would move the boundary: it becomes a space (not a token character either way).
  return (text.includes(FEATURE_MARK) ? text.replaceAll(FEATURE_MARK, ' ') : text) + FEATURE_MARK + tokens;
}

function unknownEncoding(features: InputFeatures): ArtifactError {
  return new ArtifactError('artifact-unknown-feature-encoding', `the model's input features are encoded as ${String(features.encoding)}; this lading reads ${KNOWN.join(' and ')}`,
    { encoding: String(features.encoding) }, 'Use the lading version that trained the model, or a newer one.');
}

function valueToken(v: string | number | boolean): string {
  if (typeof v === 'boolean') return v ? 'bt' : 'bf';
  if (typeof v === 'number') {
    // 0 -> z; 1 -> 1; 2-3 -> 2; 4-7 -> 3 ...; below 1 (shares, rates): 0.5-1 -> 0, 0.25-0.5 -> m1, ...
    if (v === 0 || !Number.isFinite(v)) return 'z';
    const bin = Math.max(-20, Math.min(60, Math.floor(Math.log2(Math.abs(v))) + 1));
    return `${v < 0 ? 'n' : 'p'}${bin < 0 ? `m${-bin}` : bin}`;
  }
  return `s${hash36(v.trim().toLowerCase())}`;
}

function hash36(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193); }
  return (h >>> 0).toString(36);
}
