import { InputError } from '../../core/errors.js';
import { createRandom, shuffleInPlace } from '../../core/random.js';
import { normaliseText } from '../../text/normalise.js';
import { tokens } from '../../text/tokenise.js';
import { computeTextStats, MAX_TOKEN_HASHES, tokenHash, type TextStats } from '../text-stats.js';
import { descriptorColumns, NUMERIC_DESCRIPTORS, type NumericDescriptor } from './text-descriptors.js';
import { PROFILE_TOKEN_BUCKET_BITS, tokenBucket } from './token-buckets.js';

/**
 * What production is compared with: a summary of the model's validation split (texts it never
 * trained on, so the out-of-vocabulary rate and the scores are what unseen texts get), stored with
 * the model version. Everything a drift report or an accuracy estimate needs, and nothing that
 * grows with the data beyond fixed caps (a few hundred KB for HS data).
 */
export interface ReferenceProfile {
  readonly format: typeof PROFILE_FORMAT;
  /** Validation rows summarised, and training texts the vocabulary came from. */
  readonly rows: number;
  readonly trainTexts: number;
  readonly labels: readonly string[];
  /** Per numeric descriptor: moments of all rows and quantiles standing for the distribution. */
  readonly numeric: Readonly<Record<NumericDescriptor, NumericSummary>>;
  /** How often each label (index into `labels`) was the model's top answer on the validation rows. */
  readonly predictedCounts: Uint32Array;
  readonly tokens: TokenSketch;
  /** Sorted distinct tokenHash() of the training texts' tokens: the model's own vocabulary. */
  readonly vocabulary: Uint32Array;
  /** Validation rows kept whole, for the domain classifier and for the detectors' noise floors. */
  readonly sample: ReferenceSample;
  /** Validation (top score, correct) pairs, at most MAX_CALIBRATION_ROWS, for the estimated-accuracy fit. */
  readonly calibration: { readonly scores: number[]; readonly correct: number[] };
  /** Validation accuracy of the top answer (all rows), for reports. */
  readonly accuracy: number;
}

export const PROFILE_FORMAT = 'lading-reference-profile/1';

export interface NumericSummary {
  readonly count: number;
  readonly mean: number;
  /** Population standard deviation (ddof 0, as numpy's default that Evidently normalises by). */
  readonly std: number;
  /**
   * The distribution as equally weighted atoms: every value when there are at most MAX_QUANTILES,
   * else the order statistics at levels (i + 0.5) / MAX_QUANTILES. Sorted ascending. The
   * Wasserstein distance against these atoms differs from the one against all rows by less than
   * the spread of one quantile step.
   */
  readonly quantiles: Float32Array;
}

export interface TokenSketch {
  /** Texts with at least one token, and distinct (text, token) pairs counted. */
  readonly texts: number;
  readonly total: number;
  /** log2 of the bucket count (PROFILE_TOKEN_BUCKET_BITS). */
  readonly bucketBits: number;
  /** Distinct-token occurrences per bucket of tokenBucket(hash, bucketBits). */
  readonly bucketCounts: Uint32Array;
  /** The most frequent tokens by document frequency, with their strings (for naming drifted tokens). */
  readonly top: ReadonlyArray<{ readonly token: string; readonly hash: number; readonly df: number }>;
}

/** Validation rows kept whole: their stats, top answer and score, and texts. */
export interface ReferenceSample {
  readonly texts: readonly string[];
  readonly stats: readonly TextStats[];
  /** Index into the profile's labels of the top answer. */
  readonly predicted: Int32Array;
  readonly topScores: Float32Array;
}

export interface ReferenceProfileInput {
  /** The texts the model was trained on: its vocabulary. */
  readonly trainTexts: readonly string[];
  readonly validTexts: readonly string[];
  /** True class ids of the validation rows (indices into labels). */
  readonly validY: Int32Array;
  /** Row-major probabilities, validTexts.length x labels.length. */
  readonly validProba: Float32Array;
  readonly labels: readonly string[];
}

export interface ReferenceProfileOptions {
  /** Seed of the sample and calibration subsets (default 1). */
  readonly seed?: number;
  readonly sampleSize?: number;
  readonly topTokens?: number;
}

/** Caps that bound the stored size; see each use for why this size. */
export const MAX_QUANTILES = 1024;
/** Domain-classifier side and bootstrap pool: 2,000 texts give an AUC standard error near 0.015 against 1,000 current texts. */
export const DEFAULT_SAMPLE_SIZE = 2000;
/** Enough tokens to name what drifted in HS and grocery texts; their strings are most of the sketch's size. */
export const DEFAULT_TOP_TOKENS = 500;
/** An isotonic fit is stable to about +-0.01 with 5,000 points; more only adds bytes. */
export const MAX_CALIBRATION_ROWS = 5000;

export function buildReferenceProfile(input: ReferenceProfileInput, options: ReferenceProfileOptions = {}): ReferenceProfile {
  const { validTexts, validY, validProba, labels, trainTexts } = input;
  const n = validTexts.length;
  const L = labels.length;
  checkInput(input);
  const random = createRandom(options.seed ?? 1);

  const vocabulary = vocabularyOf(trainTexts);
  const stats = validTexts.map(computeTextStats);
  const predicted = new Int32Array(n);
  const topScores = new Float32Array(n);
  let correctCount = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestP = -Infinity;
    for (let j = 0; j < L; j++) {
      const p = validProba[i * L + j]!;
      if (p > bestP) { bestP = p; best = j; }
    }
    predicted[i] = best;
    topScores[i] = bestP;
    if (best === validY[i]) correctCount++;
  }

  const columns = descriptorColumns(stats, topScores, vocabulary);
  const numeric = {} as Record<NumericDescriptor, NumericSummary>;
  for (const d of NUMERIC_DESCRIPTORS) numeric[d] = summarise(columns[d]);

  const predictedCounts = new Uint32Array(L);
  for (let i = 0; i < n; i++) predictedCounts[predicted[i]!]!++;

  const order = Int32Array.from({ length: n }, (_, i) => i);
  shuffleInPlace(order, random);
  const sampleSize = Math.min(n, options.sampleSize ?? DEFAULT_SAMPLE_SIZE);
  const sampleIdx = order.slice(0, sampleSize).sort();
  const sample: ReferenceSample = {
    texts: Array.from(sampleIdx, (i) => validTexts[i]!),
    stats: Array.from(sampleIdx, (i) => stats[i]!),
    predicted: Int32Array.from(sampleIdx, (i) => predicted[i]!),
    topScores: Float32Array.from(sampleIdx, (i) => topScores[i]!),
  };

  shuffleInPlace(order, random);
  const calIdx = order.slice(0, Math.min(n, MAX_CALIBRATION_ROWS)).sort();
  const calibration = {
    scores: Array.from(calIdx, (i) => Math.round(topScores[i]! * 1e6) / 1e6),
    correct: Array.from(calIdx, (i) => (predicted[i] === validY[i] ? 1 : 0)),
  };

  return {
    format: PROFILE_FORMAT, rows: n, trainTexts: trainTexts.length, labels: [...labels], numeric, predictedCounts,
    tokens: tokenSketch(validTexts, stats, options.topTokens ?? DEFAULT_TOP_TOKENS), vocabulary, sample, calibration,
    accuracy: n > 0 ? correctCount / n : 0,
  };
}

function checkInput(input: ReferenceProfileInput): void {
  const { validTexts, validY, validProba, labels, trainTexts } = input;
  const n = validTexts.length;
  const hint = 'build the profile from the training run\'s validation split and its probability matrix';
  if (n === 0) throw new InputError('profile-no-rows', 'a reference profile needs at least one validation text', {}, hint);
  if (trainTexts.length === 0) throw new InputError('profile-no-vocabulary', 'a reference profile needs the training texts (its vocabulary)', {}, hint);
  if (labels.length === 0) throw new InputError('profile-no-labels', 'a reference profile needs the model\'s labels', {}, hint);
  if (validY.length !== n) {
    throw new InputError('profile-shape', `validY has ${validY.length} entries for ${n} validation texts`, { field: 'validY', expected: n, got: validY.length }, hint);
  }
  if (validProba.length !== n * labels.length) {
    throw new InputError('profile-shape', `validProba has ${validProba.length} values; ${n} rows x ${labels.length} labels = ${n * labels.length} expected`,
      { field: 'validProba', expected: n * labels.length, got: validProba.length }, hint);
  }
  for (let i = 0; i < n; i++) {
    const y = validY[i]!;
    if (y < 0 || y >= labels.length) {
      throw new InputError('profile-label', `validY[${i}] = ${y} is not a class id (0..${labels.length - 1})`, { field: 'validY', row: i, value: y }, hint);
    }
  }
}

function vocabularyOf(texts: readonly string[]): Uint32Array {
  const seen = new Set<number>();
  for (const t of texts) for (const h of computeTextStats(t).tokenHashes) seen.add(h);
  return Uint32Array.from(seen).sort();
}

function summarise(values: Float64Array): NumericSummary {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = n > 0 ? sum / n : 0;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i]! - mean) ** 2;
  const sorted = Float64Array.from(values).sort();
  let quantiles: Float32Array;
  if (n <= MAX_QUANTILES) quantiles = Float32Array.from(sorted);
  else {
    quantiles = new Float32Array(MAX_QUANTILES);
    for (let i = 0; i < MAX_QUANTILES; i++) quantiles[i] = sorted[Math.floor(((i + 0.5) * n) / MAX_QUANTILES)]!;
  }
  return { count: n, mean, std: n > 0 ? Math.sqrt(ss / n) : 0, quantiles };
}

function tokenSketch(texts: readonly string[], stats: readonly TextStats[], topN: number): TokenSketch {
  const bucketCounts = new Uint32Array(1 << PROFILE_TOKEN_BUCKET_BITS);
  let total = 0;
  let withTokens = 0;
  for (const s of stats) {
    if (s.tokenHashes.length > 0) withTokens++;
    for (const h of s.tokenHashes) { bucketCounts[tokenBucket(h, PROFILE_TOKEN_BUCKET_BITS)]!++; total++; }
  }
  // Document frequencies with strings: the same distinct-token rule as computeTextStats.
  const df = new Map<number, { token: string; df: number }>();
  for (const text of texts) {
    const seen = new Set<number>();
    for (const tok of tokens(normaliseText(text))) {
      if (seen.size >= MAX_TOKEN_HASHES) break;
      const h = tokenHash(tok);
      if (seen.has(h)) continue;
      seen.add(h);
      const e = df.get(h);
      if (e) e.df++;
      else df.set(h, { token: tok, df: 1 });
    }
  }
  const top = [...df.entries()]
    .sort((a, b) => b[1].df - a[1].df || (a[1].token < b[1].token ? -1 : 1))
    .slice(0, topN)
    .map(([hash, e]) => ({ token: e.token, hash, df: e.df }));
  return { texts: withTokens, total, bucketBits: PROFILE_TOKEN_BUCKET_BITS, bucketCounts, top };
}
