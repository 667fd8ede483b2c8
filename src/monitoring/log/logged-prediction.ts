import type { UsedFeatures } from '../../serving/entity-features.js';
import type { TextStats } from '../text-stats.js';

/** One ranked answer for one text: a label and its probability. */
export interface RankedLabel {
  readonly label: string;
  readonly score: number;
}

/**
 * One row of the prediction log: one text of one answered request. A request of 32 texts is 32
 * rows sharing the request id, told apart by `position`.
 */
export interface LoggedPrediction {
  /** The request's id (REST `requestId`, OIP `id`, `X-Request-Id`); '' when the caller had none. */
  readonly requestId: string;
  /** Index of this text in its request (0 for single-text requests). */
  readonly position: number;
  /** Epoch milliseconds when the answer was ready. */
  readonly at: number;
  readonly endpoint: string;
  readonly variant: string;
  readonly role: 'primary' | 'shadow';
  readonly model: string;
  readonly version: string;
  readonly modelSha256: string;
  /** The raw text, or null when the endpoint logs no text (`logText: false`). */
  readonly text: string | null;
  /** Hex sha256 of normaliseText(text): the key feedback without a request id is joined on. */
  readonly textSha256: string;
  /** The model's own answer: its top label and probability (what drift and calibration compare with its reference). */
  readonly label: string;
  readonly score: number;
  /** Best first, at most LOGGED_TOP_K entries; topK[0] is (label, score). */
  readonly topK: readonly RankedLabel[];
  /** Of the whole call this text was part of. */
  readonly latencyMs: number;
  readonly stats: TextStats;
  /**
   * Entity features, for a model trained with them: the values the answer used by VIEW:FEATURE, or
   * null when it had none and answered from the text alone (no key, an unknown or expired key, the
   * online store down). Absent for models that take no features.
   */
  readonly features?: UsedFeatures | undefined;
  /**
   * Under an endpoint's active taxonomy (serve --taxonomy, deploy set --remap): the code that went
   * back to the caller, which a transition table may have renamed or merged; '' when the taxonomy
   * sent the text to review without a code. Absent without a taxonomy (the caller got `label`).
   * Feedback is joined to this (answeredLabel), so real accuracy compares codes of one taxonomy.
   */
  readonly answered?: string | undefined;
}

/** What the caller was answered: the code under a taxonomy, else the model's own label. */
export function answeredLabel(p: Pick<LoggedPrediction, 'label' | 'answered'>): string {
  return p.answered ?? p.label;
}

/** A logged prediction as read back: with the store's sequence number (increasing with insertion). */
export interface StoredPrediction extends LoggedPrediction {
  readonly seq: number;
}

export const LOGGED_TOP_K = 5;
