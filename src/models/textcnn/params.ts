import { BAG_SPEC, checkBagParams, type BagParams } from '../deep/bag-params.js';
import { DEEP_COMMON_DEFAULTS, DEEP_COMMON_SPEC, parseDeepParams, parseIntList, type DeepCommonParams, type ParamSpec } from '../deep/params.js';

/** Text-CNN hyper-parameters (Kim 2014 shape): the shared deep ones plus filters and widths. */
export interface TextCnnParams extends DeepCommonParams, BagParams {
  readonly filters: number;
  /** Convolution widths in tokens, comma-separated. */
  readonly widths: string;
  /** Standard deviation of the initial embedding rows (PyTorch's nn.Embedding: 1). */
  readonly embeddingScale: number;
  /** Word dropout in training: the share of positions whose embedding is zeroed each step. */
  readonly wordDropout: number;
}

// Subwords as a bag by default: a word is the mean of its row and its 3..5-character n-grams, so
// sequences keep one position per word. (The older fallback, subwordN, put the n-grams of unknown
// words in the sequence instead: 1.6x longer sequences and slower learning on HS4.)
export const TEXTCNN_DEFAULTS: TextCnnParams = { ...DEEP_COMMON_DEFAULTS, subwordN: 0, maxSubwords: 50_000, filters: 128, widths: '2,3,4', bagMinN: 3, bagMaxN: 5, embeddingScale: 1, wordDropout: 0 };

const SPEC: ParamSpec<TextCnnParams> = {
  ...DEEP_COMMON_SPEC, filters: { min: 1, max: 4096, integer: true }, widths: { list: true },
  ...BAG_SPEC,
  embeddingScale: { min: 0, max: 10, integer: false },
  wordDropout: { min: 0, max: 0.9, integer: false },
};

export function parseTextCnnParams(given: Readonly<Record<string, unknown>>): TextCnnParams {
  const p = parseDeepParams('textcnn', TEXTCNN_DEFAULTS, SPEC, given);
  checkBagParams('textcnn', p);
  return p;
}

export function widthsOf(p: TextCnnParams): number[] {
  return parseIntList(p.widths);
}
