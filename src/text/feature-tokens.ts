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
 * An artifact records the encoding (`tokens-v1`), and a model whose artifact names another is
 * refused rather than fed inputs it never saw. Tried and dropped (bench/features-gain.ts, README):
 * writing each value as several tokens so that it weighs more in fasttext's average; it made the
 * linear and fasttext models worse, not better.
 */
export const FEATURE_ENCODING = 'tokens-v1' as const;

/** The input-features record a model trained now on `columns` carries. */
export function currentInputFeatures(columns: readonly string[]): InputFeatures {
  return { columns: [...columns], encoding: FEATURE_ENCODING };
}

export function featureTokens(columns: readonly string[], cells: readonly FeatureCell[]): string {
  let out = '';
  for (let c = 0; c < columns.length; c++) {
    const v = cells[c];
    if (v === null || v === undefined) continue;
    out += ` zf${hash36(columns[c]!)}${valueToken(v)}`;
  }
  return out;
}

/** The text a model with input features reads: the text, then its feature tokens. */
export function textWithFeatures(text: string, features: InputFeatures, cells: readonly FeatureCell[]): string {
  if (features.encoding !== FEATURE_ENCODING) throw unknownEncoding(features);
  return text + featureTokens(features.columns, cells);
}

function unknownEncoding(features: InputFeatures): ArtifactError {
  return new ArtifactError('artifact-unknown-feature-encoding', `the model's input features are encoded as ${String(features.encoding)}; this lading reads ${FEATURE_ENCODING}`,
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
