import { DEEP_COMMON_DEFAULTS, DEEP_COMMON_SPEC, parseDeepParams, parseIntList, type DeepCommonParams, type ParamSpec } from '../deep/params.js';

/** Text-CNN hyper-parameters (Kim 2014 shape): the shared deep ones plus filters and widths. */
export interface TextCnnParams extends DeepCommonParams {
  readonly filters: number;
  /** Convolution widths in tokens, comma-separated. */
  readonly widths: string;
}

// Word ids only by default: on HS4 the subword fallback (subwordN 3) learned more slowly per epoch and made
// sequences 1.6x longer (11.6 vs 7.4 ids), so it cost more and gained nothing in the epochs measured.
export const TEXTCNN_DEFAULTS: TextCnnParams = { ...DEEP_COMMON_DEFAULTS, subwordN: 0, filters: 128, widths: '2,3,4' };

const SPEC: ParamSpec<TextCnnParams> = { ...DEEP_COMMON_SPEC, filters: { min: 1, max: 4096, integer: true }, widths: { list: true } };

export function parseTextCnnParams(given: Readonly<Record<string, unknown>>): TextCnnParams {
  return parseDeepParams('textcnn', TEXTCNN_DEFAULTS, SPEC, given);
}

export function widthsOf(p: TextCnnParams): number[] {
  return parseIntList(p.widths);
}
