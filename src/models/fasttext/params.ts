import { InputError } from '../../core/errors.js';

/**
 * Hyper-parameters of the fastText-style classifier. Every one has a documented default (shown by
 * `lading train --help`); the defaults were chosen by measurement (below).
 */
export interface FastTextParams {
  /** Embedding (hidden) size. The output layer costs dim × classes per text, so this sets prediction speed. */
  readonly dim: number;
  /** Hash buckets shared by word and character n-grams. Only the rows training touched are stored. */
  readonly buckets: number;
  readonly epochs: number;
  /** Starting learning rate, decayed linearly to 0 over all epochs (as fastText). */
  readonly lr: number;
  /** Longest word n-gram (2 = unigrams and bigrams). */
  readonly wordNgrams: number;
  /** Character n-grams inside word boundaries, lengths charMin..charMax; charMax 0 disables them. */
  readonly charMin: number;
  readonly charMax: number;
  /** Examples per synchronous mini-batch: every example of a batch sees the same parameters. */
  readonly batchSize: number;
  /**
   * Negative classes whose probability is below this get no gradient for that example: their update
   * (p × hidden) is negligible, and skipping them makes the backward pass sparse.
   */
  readonly sparseBelow: number;
  /** Tokens beyond this many per text are ignored. */
  readonly maxTokens: number;
  /** Buckets occurring fewer times than this in the training texts get no embedding row (are ignored). */
  readonly minCount: number;
  /** Embedding rows start uniform in ±initScale/dim (fastText: 1). */
  readonly initScale: number;
  /**
   * The hidden vector is a weighted mean of the n-gram rows; an n-gram's weight is its smoothed
   * IDF on the training texts, ln((N+1)/(df+1)) + 1, raised to this power (0 = plain mean, as fastText).
   */
  readonly idfPower: number;
  /** Extra factor on the weight of character n-grams (word n-grams have 1). */
  readonly charWeight: number;
  /**
   * What the weighted sum of rows is divided by: 1 = the sum of weights (a weighted mean, as
   * fastText), 2 = the root of the sum of squared weights (as TF-IDF's L2 norm). With 2 one step
   * moves a text's hidden vector by the full gradient whatever its length, so lr must be about
   * five times lower than with 1.
   */
  readonly hiddenNorm: number;
  /** Stored embedding precision: 8 (int8 with a scale per row, after training in float32) or 32. */
  readonly embeddingBits: number;
  /**
   * Entity features (inputs of encoding tokens-v2) are not words of the text: each value has its
   * own class scores, added to the text's before the softmax and learnt at lr times this
   * (feature-logits.ts). 0: the feature tokens are read as words of the text, as models trained
   * before this existed read them (such artifacts load with 0).
   */
  readonly featureWeight: number;
}

/*
 * Measured on hs-goods HS4 (791 classes in a hash-grouped 80/20 split, 10 epochs unless said):
 * char n-grams 2..5 0.711, 3..5 0.721, 4..5 0.725, 4..6 0.725, none 0.713 (25 epochs: 0.678,
 * overfits); lr 0.5 underfits (3..5: 0.686), lr 1.5 with 4..5: 0.730; batch 16 no better than 64;
 * sparseBelow 2e-3 halves training work for about -0.01 at 5 epochs against 1e-4.
 *
 * Second round, on a dev split (the benchmark's training side split 80/20 again, seed 4242; accuracy
 * / macro-F1; the old defaults plain mean, lr 1.5, sparseBelow 2e-3 gave 0.730 / 0.424):
 * batch 1 (per-example SGD, the ceiling) 0.728 and batch 8 0.729: mini-batches cost nothing here.
 * IDF weights 0.734, idfPower 2 0.735, + charWeight 0.5 0.736 (0.25: worse), dim 100 or 200 no
 * better, 20 epochs at lr 1 no better, 5 epochs at lr 2 0.732 / 0.375; sparseBelow 1e-4 +0.005.
 * The big step is hiddenNorm 2 (divide by the L2 norm of the weights, as TF-IDF): 0.750 / 0.480;
 * with it lr 0.1 underfits (0.728), 0.3-0.4 are best, 0.7 diverges (training then fails with
 * training-diverged rather than returning NaN weights). Around that point: charWeight 0.7 0.752 /
 * 0.495 on HS4 but -0.004 on grocery, 1.0 0.749; charMin 3, wordNgrams 3, dim 100 and 15 epochs at
 * lr 0.3 all within ±0.002; minCount 2 +0.01 macro-F1 on HS4 but -0.014 accuracy on grocery, so 1.
 * Dividing probabilities by class prior^τ (logit adjustment, τ 0.1-0.5) moved neither figure.
 *
 * Official bench (`node dist/bench/accuracy-run.js CSV LABEL fasttext 2`, load average 1-4):
 * HS4 0.739 / 0.420 -> 0.751 / 0.455 (fastText 0.9.2: 0.739), grocery 0.747 / 0.688 (fastText
 * 0.740), HS6 0.643 / 0.347 at 484 MB peak RSS. Artifacts are a third of the size (int8 rows:
 * HS4 65 -> 19 MB). One-thread prediction on HS4 about 14 µs of CPU per text (was 61): SIMD softmax,
 * SIMD int8 row sums; training 16-22 s wall (2 threads) with the SIMD gradient kernels.
 */
export const FASTTEXT_DEFAULTS: FastTextParams = {
  dim: 64,
  buckets: 2_097_152,
  epochs: 10,
  lr: 0.35,
  wordNgrams: 2,
  charMin: 4,
  charMax: 5,
  batchSize: 64,
  sparseBelow: 1e-4,
  maxTokens: 256,
  minCount: 1,
  initScale: 1,
  idfPower: 1,
  charWeight: 0.5,
  hiddenNorm: 2,
  embeddingBits: 8,
  featureWeight: 0.3,
};

interface Bound { readonly min: number; readonly max: number; readonly integer: boolean }

const BOUNDS: Readonly<Record<keyof FastTextParams, Bound>> = {
  dim: { min: 1, max: 1024, integer: true },
  buckets: { min: 1, max: 1 << 26, integer: true },
  epochs: { min: 1, max: 10_000, integer: true },
  lr: { min: Number.MIN_VALUE, max: 100, integer: false },
  wordNgrams: { min: 1, max: 5, integer: true },
  charMin: { min: 1, max: 16, integer: true },
  charMax: { min: 0, max: 16, integer: true },
  batchSize: { min: 1, max: 65_536, integer: true },
  sparseBelow: { min: 0, max: 1, integer: false },
  maxTokens: { min: 1, max: 65_536, integer: true },
  minCount: { min: 1, max: 1_000_000, integer: true },
  initScale: { min: 0, max: 1000, integer: false },
  idfPower: { min: 0, max: 8, integer: false },
  charWeight: { min: 0, max: 100, integer: false },
  hiddenNorm: { min: 1, max: 2, integer: true },
  embeddingBits: { min: 8, max: 32, integer: true },
  featureWeight: { min: 0, max: 10, integer: false },
};

/** Validates user-given params (unknown names, types, ranges) and fills in defaults. */
export function parseFastTextParams(given: Readonly<Record<string, unknown>>): FastTextParams {
  const out: Record<string, number> = { ...FASTTEXT_DEFAULTS };
  for (const [name, raw] of Object.entries(given)) {
    const bound = (BOUNDS as Readonly<Record<string, Bound | undefined>>)[name];
    if (bound === undefined) {
      throw new InputError('bad-model-param', `unknown fasttext parameter "${name}"; known: ${Object.keys(BOUNDS).join(', ')}`,
        { kind: 'fasttext', param: name });
    }
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isFinite(value) || (bound.integer && !Number.isInteger(value)) || value < bound.min || value > bound.max) {
      throw new InputError('bad-model-param',
        `fasttext parameter ${name} must be ${bound.integer ? 'an integer' : 'a number'} in [${bound.min}, ${bound.max}]; got ${JSON.stringify(raw)}`,
        { kind: 'fasttext', param: name, value: String(raw) });
    }
    out[name] = value;
  }
  const p = out as unknown as FastTextParams;
  if (p.embeddingBits !== 8 && p.embeddingBits !== 32) {
    throw new InputError('bad-model-param', `fasttext embeddingBits must be 8 or 32; got ${p.embeddingBits}`,
      { kind: 'fasttext', param: 'embeddingBits', value: p.embeddingBits });
  }
  if (p.charMax > 0 && p.charMin > p.charMax) {
    throw new InputError('bad-model-param', `fasttext charMin (${p.charMin}) must not exceed charMax (${p.charMax}); set charMax 0 to disable character n-grams`,
      { kind: 'fasttext', param: 'charMin', value: p.charMin });
  }
  return p;
}
