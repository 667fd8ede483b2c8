import type { AdamSettings } from './adam.js';
import { InputError } from '../../core/errors.js';

export interface ParamBound {
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
}

export type ParamSpec<T> = { readonly [K in keyof T]: T[K] extends string ? { readonly list: true } : ParamBound };

/**
 * Validates user-given hyper-parameters of a deep kind (unknown names, types, ranges) and fills in
 * defaults. String-valued params are comma-separated integer lists (e.g. conv widths "2,3,4").
 */
export function parseDeepParams<T extends object>(kind: string, defaults: T, spec: ParamSpec<T>, given: Readonly<Record<string, unknown>>): T {
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [name, raw] of Object.entries(given)) {
    const s = (spec as Readonly<Record<string, ParamBound | { list: true } | undefined>>)[name];
    if (s === undefined) {
      throw new InputError('bad-model-param', `unknown ${kind} parameter "${name}"; known: ${Object.keys(spec).join(', ')}`, { kind, param: name });
    }
    if ('list' in s) {
      const text = typeof raw === 'number' ? String(raw) : raw;
      if (typeof text !== 'string' || !/^\s*\d+(\s*,\s*\d+)*\s*$/.test(text) || parseIntList(text).some((v) => v < 1 || v > 16)) {
        throw new InputError('bad-model-param', `${kind} parameter ${name} must be a comma-separated list of integers in [1, 16], e.g. "2,3,4"; got ${JSON.stringify(raw)}`,
          { kind, param: name, value: String(raw) });
      }
      out[name] = parseIntList(text).join(',');
      continue;
    }
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isFinite(value) || (s.integer && !Number.isInteger(value)) || value < s.min || value > s.max) {
      throw new InputError('bad-model-param',
        `${kind} parameter ${name} must be ${s.integer ? 'an integer' : 'a number'} in [${s.min}, ${s.max}]; got ${JSON.stringify(raw)}`,
        { kind, param: name, value: String(raw) });
    }
    out[name] = value;
  }
  return out as T;
}

export function parseIntList(text: string): number[] {
  return text.split(',').map((v) => Number(v.trim()));
}

/** The hyper-parameters every deep kind shares (vocabulary, optimiser, schedule). */
export interface DeepCommonParams {
  readonly dim: number;
  readonly dropout: number;
  readonly lr: number;
  /** Adam learning rate of the embedding table; 0 = lr. */
  readonly embeddingLr: number;
  readonly batchSize: number;
  readonly epochs: number;
  /** Stop after this many epochs without a better validation accuracy (0 = never stop early). */
  readonly patience: number;
  readonly maxLength: number;
  readonly minCount: number;
  readonly maxWords: number;
  /** Character n-gram length of the subword fallback for rare words; 0 = word ids only. */
  readonly subwordN: number;
  readonly maxSubwords: number;
  /** Non-target classes below this probability get no gradient for an example (sparse output layer). */
  readonly sparseBelow: number;
  /** Class weight (mean class count / class count)^power; 0 = unweighted. */
  readonly classWeightPower: number;
  /** 1 = Adam updates only the embedding rows a batch touched (faster steps, slower learning); 0 = every row. */
  readonly lazyEmbedding: number;
  /** Learning-rate decay over the planned epochs: lr × (1 − lrDecay × progress); 0 = constant. */
  readonly lrDecay: number;
  /** Classes with fewer training rows are repeated up to this many (deep/rebalance.ts); 0 = off. */
  readonly minPerClass: number;
  /** Served logits are adjusted by −priorCorrection × log(class prior) (deep/prior-correction.ts); 0 = none. */
  readonly priorCorrection: number;
}

export const DEEP_COMMON_DEFAULTS: DeepCommonParams = {
  dim: 128, dropout: 0.5, lr: 0.001, embeddingLr: 0, batchSize: 64, epochs: 10, patience: 2, maxLength: 64,
  minCount: 2, maxWords: 50_000, subwordN: 3, maxSubwords: 20_000, sparseBelow: 1e-5, classWeightPower: 0, lazyEmbedding: 0, lrDecay: 0, minPerClass: 0, priorCorrection: 0,
};

export const DEEP_COMMON_SPEC: ParamSpec<DeepCommonParams> = {
  dim: { min: 1, max: 1024, integer: true },
  dropout: { min: 0, max: 0.95, integer: false },
  lr: { min: Number.MIN_VALUE, max: 1, integer: false },
  embeddingLr: { min: 0, max: 1, integer: false },
  batchSize: { min: 1, max: 4096, integer: true },
  epochs: { min: 1, max: 1000, integer: true },
  patience: { min: 0, max: 1000, integer: true },
  maxLength: { min: 1, max: 1024, integer: true },
  minCount: { min: 1, max: 1_000_000, integer: true },
  maxWords: { min: 0, max: 10_000_000, integer: true },
  subwordN: { min: 0, max: 8, integer: true },
  maxSubwords: { min: 0, max: 10_000_000, integer: true },
  sparseBelow: { min: 0, max: 1, integer: false },
  classWeightPower: { min: 0, max: 1, integer: false },
  lazyEmbedding: { min: 0, max: 1, integer: true },
  lrDecay: { min: 0, max: 1, integer: false },
  minPerClass: { min: 0, max: 1000, integer: true },
  priorCorrection: { min: 0, max: 2, integer: false },
};

export function classWeights(y: Int32Array, classes: number, power: number): Float32Array | null {
  if (power === 0) return null;
  const counts = new Float64Array(classes);
  for (let i = 0; i < y.length; i++) counts[y[i]!]!++;
  const mean = y.length / Math.max(1, counts.filter((c) => c > 0).length);
  return Float32Array.from(counts, (c) => (c > 0 ? Math.pow(mean / c, power) : 0));
}

/** Adam settings of a deep kind's params (the embedding's own rate when embeddingLr is set). */
export function adamOf(p: DeepCommonParams, base: Omit<AdamSettings, 'lr'>): AdamSettings {
  return p.embeddingLr > 0 ? { ...base, lr: p.lr, embeddingLr: p.embeddingLr } : { ...base, lr: p.lr };
}
