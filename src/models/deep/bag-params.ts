import { InputError } from '../../core/errors.js';
import type { ParamBound } from './params.js';

/** Bag mode: each word is the mean of its row and its character n-grams of these lengths (bagMaxN 0 = word ids only). */
export interface BagParams {
  readonly bagMinN: number;
  readonly bagMaxN: number;
}

export const BAG_SPEC: { readonly [K in keyof BagParams]: ParamBound } = {
  bagMinN: { min: 1, max: 8, integer: true }, bagMaxN: { min: 0, max: 8, integer: true },
};

/** The n-gram bag and the older subword fallback are two ways to the same end: a model takes one. */
export function checkBagParams(kind: string, p: BagParams & { readonly subwordN: number }): void {
  if (p.bagMaxN > 0 && p.bagMinN > p.bagMaxN) {
    throw new InputError('bad-model-param', `${kind} parameter bagMinN (${p.bagMinN}) must not exceed bagMaxN (${p.bagMaxN})`, { kind, param: 'bagMinN' });
  }
  if (p.bagMaxN > 0 && p.subwordN > 0) {
    throw new InputError('bad-model-param', `${kind} takes either the n-gram bag (bagMaxN > 0) or the subword fallback (subwordN > 0), not both; set bagMaxN=0 to use subwordN`,
      { kind, param: 'subwordN' });
  }
}

/** The tokenizer's bag fields for these params (bagMinN is meaningless, and stored as 0, without the bag). */
export function bagSpecOf(p: BagParams): BagParams {
  return { bagMinN: p.bagMaxN > 0 ? p.bagMinN : 0, bagMaxN: p.bagMaxN };
}
