import { BAG_SPEC, checkBagParams, type BagParams } from '../deep/bag-params.js';
import { DEEP_COMMON_DEFAULTS, DEEP_COMMON_SPEC, parseDeepParams, type DeepCommonParams, type ParamSpec } from '../deep/params.js';

/** DNN hyper-parameters: the shared deep ones, the size of the hidden layer and the n-gram bag. */
export interface DnnParams extends DeepCommonParams, BagParams {
  readonly hidden: number;
}

export const DNN_DEFAULTS: DnnParams = { ...DEEP_COMMON_DEFAULTS, hidden: 256, bagMinN: 3, bagMaxN: 0 };

const SPEC: ParamSpec<DnnParams> = { ...DEEP_COMMON_SPEC, ...BAG_SPEC, hidden: { min: 1, max: 8192, integer: true } };

export function parseDnnParams(given: Readonly<Record<string, unknown>>): DnnParams {
  const p = parseDeepParams('dnn', DNN_DEFAULTS, SPEC, given);
  checkBagParams('dnn', p);
  return p;
}
