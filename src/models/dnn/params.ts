import { BAG_SPEC, checkBagParams, type BagParams } from '../deep/bag-params.js';
import { DEEP_COMMON_DEFAULTS, DEEP_COMMON_SPEC, parseDeepParams, type DeepCommonParams, type ParamSpec } from '../deep/params.js';

/** DNN hyper-parameters: the shared deep ones, the size of the hidden layer and the n-gram bag. */
export interface DnnParams extends DeepCommonParams, BagParams {
  readonly hidden: number;
}

// Subwords as a bag by default, as the Text-CNN: a word is the mean of its row and its 3..5-character
// n-grams (so the subword fallback is off, and the n-gram vocabulary is the Text-CNN's 50k). Measured
// on HS4 (bench/models-run.js, 3 epochs, seed 1): accuracy 0.548 vs 0.494 with word ids + the 3-gram
// fallback, macro-F1 0.123 vs 0.134, one-thread serving 54k vs 37k texts/s, training 123 s vs 75 s,
// artifact 32 MB vs 12 MB.
// Measured on hs-goods HS4 (bench:models split): with the Text-CNN's training settings (embedding
// rate 0.02 on touched rows, decaying lr, rare classes repeated to 10 rows, prior correction 0.5)
// 0.738 / 0.469 accuracy / macro-F1 in 10 epochs, against 0.548 / 0.123 after 3 epochs without them.
export const DNN_DEFAULTS: DnnParams = {
  ...DEEP_COMMON_DEFAULTS, subwordN: 0, maxSubwords: 50_000, hidden: 256, bagMinN: 3, bagMaxN: 5,
  embeddingLr: 0.02, lazyEmbedding: 1, lrDecay: 1, minPerClass: 10, priorCorrection: 0.5,
};

const SPEC: ParamSpec<DnnParams> = { ...DEEP_COMMON_SPEC, ...BAG_SPEC, hidden: { min: 1, max: 8192, integer: true } };

export function parseDnnParams(given: Readonly<Record<string, unknown>>): DnnParams {
  const p = parseDeepParams('dnn', DNN_DEFAULTS, SPEC, given);
  checkBagParams('dnn', p);
  return p;
}
