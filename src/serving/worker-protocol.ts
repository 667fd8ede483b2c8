import type { DecisionEvidence } from '../core/decision-policy.js';
import type { ArtifactHeader } from '../models/artifact.js';
import type { Contribution } from '../models/classifier.js';
import type { SerialisedError } from '../models/model-thread.js';

/** Messages between a ModelRuntime and its serving threads (runtime-worker.ts). */
export type RuntimeWorkerRequest =
  /** rows: send the probability rows back; k > 1: also each text's k best classes. */
  | { readonly type: 'predict'; readonly id: number; readonly texts: readonly string[]; readonly rows: boolean; readonly k: number }
  | { readonly type: 'explain'; readonly id: number; readonly texts: readonly string[]; readonly classIds: readonly number[]; readonly limit: number };

export type RuntimeWorkerReply =
  | { readonly type: 'ready'; readonly header: ArtifactHeader; readonly fileSha256: string; readonly decisionEvidence?: DecisionEvidence | undefined }
  | { readonly type: 'load-failed'; readonly error: SerialisedError }
  /**
   * proba: rows × classes, or empty when not asked for; topIds/topScores: each row's top-1; rankIds/
   * rankScores: rows × k best classes when k > 1 was asked. All computed where the rows were made,
   * off the HTTP thread.
   */
  | {
    readonly type: 'predicted'; readonly id: number; readonly proba: Float32Array; readonly topIds: Int32Array; readonly topScores: Float32Array;
    readonly k: number; readonly rankIds?: Int32Array | undefined; readonly rankScores?: Float32Array | undefined;
    /** Time the thread spent scoring the batch (it scores one at a time, so about its CPU time): the model's share of the cost. */
    readonly computeMs: number;
  }
  | { readonly type: 'explained'; readonly id: number; readonly explanations: Contribution[][] }
  | { readonly type: 'failed'; readonly id: number; readonly error: SerialisedError };
