import type { InputFeatures } from '../core/artifact-format.js';
import type { FeatureCell } from '../core/dataset.js';

/**
 * Entity features as extra words of the text, so every model kind takes them without a change to
 * its featuriser: each present value becomes a token `zf<column><value>`, letters and digits only
 * (the tokeniser keeps it whole), the column and a categorical value hashed (FNV-1a, base 36), a
 * number binned by sign and log2 (0, 1, 2-3, 4-7, ...; shares below 1 by halves), a boolean t/f.
 * A null (no value at that time, an unknown key) adds nothing: the model then sees the text alone,
 * as it did for training examples without a value. Training and serving call the same function.
 *
 * tokens-v1 writes each token once. tokens-v2 (what training writes now) writes it `repeat` times:
 * fasttext averages a text's n-grams (IDF-weighted), and a feature value shared by thousands of
 * examples has a low IDF, so one token among a text's words and n-grams barely moved the average
 * (bench/features-gain.ts: no gain at all); repeated, it weighs like a word or two of the text.
 * The linear model's sublinear tf turns repeat r into a factor 1 + ln r on the token. An artifact
 * records its encoding, so a model trained with tokens-v1 is composed as it was trained.
 */
export const FEATURE_ENCODING = 'tokens-v2' as const;
/** How many times tokens-v2 writes each feature token (bench/features-gain.ts measured it). */
export const FEATURE_REPEAT = 4;

/** The input-features record a model trained now on `columns` carries. */
export function currentInputFeatures(columns: readonly string[]): InputFeatures {
  return { columns: [...columns], encoding: FEATURE_ENCODING, repeat: FEATURE_REPEAT };
}

/** How many times `features` writes each token; an encoding this code does not know is refused (it would compose inputs the model never saw). */
export function featureRepeat(features: InputFeatures): number {
  if (features.encoding === 'tokens-v1') return 1;
  const r = features.repeat;
  if (features.encoding === 'tokens-v2' && typeof r === 'number' && Number.isInteger(r) && r >= 1 && r <= 64) return r;
  throw new Error(`input features encoded as ${String(features.encoding)} (repeat ${String(r)}): this lading reads tokens-v1 and tokens-v2 with a repeat of 1 to 64; use a newer lading`);
}

export function featureTokens(columns: readonly string[], cells: readonly FeatureCell[], repeat = 1): string {
  let out = '';
  for (let c = 0; c < columns.length; c++) {
    const v = cells[c];
    if (v === null || v === undefined) continue;
    const token = ` zf${hash36(columns[c]!)}${valueToken(v)}`;
    out += repeat === 1 ? token : token.repeat(repeat);
  }
  return out;
}

/** The text a model with input features reads: the text, then its feature tokens, as its artifact's encoding writes them. */
export function textWithFeatures(text: string, features: InputFeatures, cells: readonly FeatureCell[]): string {
  return text + featureTokens(features.columns, cells, featureRepeat(features));
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
