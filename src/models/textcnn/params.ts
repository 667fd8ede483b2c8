import { InputError } from '../../core/errors.js';
import { DEEP_COMMON_DEFAULTS, DEEP_COMMON_SPEC, parseDeepParams, parseIntList, type DeepCommonParams, type ParamSpec } from '../deep/params.js';

/** Text-CNN hyper-parameters (Kim 2014 shape): the shared deep ones plus filters and widths. */
export interface TextCnnParams extends DeepCommonParams {
  readonly filters: number;
  /** Convolution widths in tokens, comma-separated. */
  readonly widths: string;
  /** Bag mode: each word is the mean of its row and its character n-grams of these lengths (bagMaxN 0 = word ids only). */
  readonly bagMinN: number;
  readonly bagMaxN: number;
}

// Subwords as a bag by default: a word is the mean of its row and its 3..5-character n-grams, so
// sequences keep one position per word. (The older fallback, subwordN, put the n-grams of unknown
// words in the sequence instead: 1.6x longer sequences and slower learning on HS4.)
export const TEXTCNN_DEFAULTS: TextCnnParams = { ...DEEP_COMMON_DEFAULTS, subwordN: 0, maxSubwords: 50_000, filters: 128, widths: '2,3,4', bagMinN: 3, bagMaxN: 5 };

const SPEC: ParamSpec<TextCnnParams> = {
  ...DEEP_COMMON_SPEC, filters: { min: 1, max: 4096, integer: true }, widths: { list: true },
  bagMinN: { min: 1, max: 8, integer: true }, bagMaxN: { min: 0, max: 8, integer: true },
};

export function parseTextCnnParams(given: Readonly<Record<string, unknown>>): TextCnnParams {
  const p = parseDeepParams('textcnn', TEXTCNN_DEFAULTS, SPEC, given);
  if (p.bagMaxN > 0 && p.bagMinN > p.bagMaxN) {
    throw new InputError('bad-model-param', `textcnn parameter bagMinN (${p.bagMinN}) must not exceed bagMaxN (${p.bagMaxN})`, { kind: 'textcnn', param: 'bagMinN' });
  }
  if (p.bagMaxN > 0 && p.subwordN > 0) {
    throw new InputError('bad-model-param', 'textcnn takes either the n-gram bag (bagMaxN > 0) or the subword fallback (subwordN > 0), not both; set bagMaxN=0 to use subwordN',
      { kind: 'textcnn', param: 'subwordN' });
  }
  return p;
}

export function widthsOf(p: TextCnnParams): number[] {
  return parseIntList(p.widths);
}
