import { DEEP_COMMON_DEFAULTS, DEEP_COMMON_SPEC, parseDeepParams, type DeepCommonParams, type ParamSpec } from '../deep/params.js';

/** DNN hyper-parameters: the shared deep ones plus the size of the hidden layer. */
export interface DnnParams extends DeepCommonParams {
  readonly hidden: number;
}

export const DNN_DEFAULTS: DnnParams = { ...DEEP_COMMON_DEFAULTS, hidden: 256 };

const SPEC: ParamSpec<DnnParams> = { ...DEEP_COMMON_SPEC, hidden: { min: 1, max: 8192, integer: true } };

export function parseDnnParams(given: Readonly<Record<string, unknown>>): DnnParams {
  return parseDeepParams('dnn', DNN_DEFAULTS, SPEC, given);
}
