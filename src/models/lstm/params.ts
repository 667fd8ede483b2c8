import { DEEP_COMMON_DEFAULTS, DEEP_COMMON_SPEC, parseDeepParams, type DeepCommonParams, type ParamSpec } from '../deep/params.js';

/**
 * LSTM hyper-parameters: the shared deep ones plus the state size. Defaults are smaller than the
 * Text-CNN's (dim 64, 6 epochs): the recurrence is sequential per text and costs ~3x more per epoch.
 */
export interface LstmParams extends DeepCommonParams {
  readonly hidden: number;
}

// The embedding rate, lazy rows, decay, rare-class repetition and prior correction are the Text-CNN's
// and DNN's measured settings (see textcnn/params.ts), not tuned on the LSTM itself.
export const LSTM_DEFAULTS: LstmParams = {
  ...DEEP_COMMON_DEFAULTS, dim: 64, epochs: 6, maxLength: 48, subwordN: 0, hidden: 128, lr: 0.002,
  embeddingLr: 0.02, lazyEmbedding: 1, lrDecay: 1, minPerClass: 10, priorCorrection: 0.5,
};

const SPEC: ParamSpec<LstmParams> = { ...DEEP_COMMON_SPEC, hidden: { min: 1, max: 4096, integer: true } };

export function parseLstmParams(given: Readonly<Record<string, unknown>>): LstmParams {
  return parseDeepParams('lstm', LSTM_DEFAULTS, SPEC, given);
}
