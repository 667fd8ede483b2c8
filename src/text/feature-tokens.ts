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
 * tokens-v1 writes one token per value, `zf<column><value>`. tokens-v2 (what linear training writes)
 * writes `repeat` tokens per value, each `zf` + one hash of (column, copy, value): distinct words
 * that always come together. Why: fasttext averages a text's n-grams, IDF-weighted, and a value
 * shared by thousands of examples has a low IDF, so one token among a text's words and n-grams
 * barely moved the average (bench/features-gain.ts: no gain at all). The same token written r
 * times diverged fasttext's training (one row took r times the gradient and counted r times: r²);
 * r distinct tokens are r rows with one gradient each, and their character n-grams are distinct
 * too. For the linear model they are r columns that share the weight. An artifact records its
 * encoding, so a model trained with tokens-v1 is composed as it was trained.
 */
/** Tokens per value tokens-v2 writes (bench/features-gain.ts measured it on linear). */
export const FEATURE_REPEAT = 4;

/**
 * The input-features record a model of `kind` trained now on `columns` carries: tokens-v2 for the
 * linear model; tokens-v1 for the others. fasttext's training got worse with tokens-v2 (0.637
 * against 0.726 on the text alone, bench/features-gain.ts at 0.4 of its size) and diverged on one
 * training set; the deep kinds were not measured.
 */
export function currentInputFeatures(columns: readonly string[], kind: string): InputFeatures {
  return kind === 'linear' ? { columns: [...columns], encoding: 'tokens-v2', repeat: FEATURE_REPEAT } : { columns: [...columns], encoding: 'tokens-v1' };
}

/** Tokens per value: 0 for tokens-v1 (its one token), else tokens-v2's copies; an encoding this code does not know is refused (it would compose inputs the model never saw). */
export function featureRepeat(features: InputFeatures): number {
  if (features.encoding === 'tokens-v1') return 0;
  const r = features.repeat;
  if (features.encoding === 'tokens-v2' && typeof r === 'number' && Number.isInteger(r) && r >= 1 && r <= 64) return r;
  throw new ArtifactError('artifact-unknown-feature-encoding', `the model's input features are encoded as ${String(features.encoding)} (repeat ${String(r)}); this lading reads tokens-v1, and tokens-v2 with a repeat of 1 to 64`,
    { encoding: String(features.encoding) }, 'Use the lading version that trained the model, or a newer one.');
}

export function featureTokens(columns: readonly string[], cells: readonly FeatureCell[], repeat = 0): string {
  let out = '';
  for (let c = 0; c < columns.length; c++) {
    const v = cells[c];
    if (v === null || v === undefined) continue;
    if (repeat === 0) out += ` zf${hash36(columns[c]!)}${valueToken(v)}`;
    else for (let k = 0; k < repeat; k++) out += ` zf${hash36(`${columns[c]!}\u0000${k}\u0000${valueToken(v)}`)}`;
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
