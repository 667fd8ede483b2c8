import type { ArtifactHeader } from '../models/artifact.js';
import type { Contribution } from '../models/classifier.js';
import type { SerialisedError } from '../models/model-thread.js';

/** Messages between a ModelRuntime and its serving threads (runtime-worker.ts). */
export type RuntimeWorkerRequest =
  | { readonly type: 'predict'; readonly id: number; readonly texts: readonly string[] }
  | { readonly type: 'explain'; readonly id: number; readonly texts: readonly string[]; readonly classIds: readonly number[]; readonly limit: number };

export type RuntimeWorkerReply =
  | { readonly type: 'ready'; readonly header: ArtifactHeader; readonly fileSha256: string }
  | { readonly type: 'load-failed'; readonly error: SerialisedError }
  /** proba: rows × classes; topIds/topScores: each row's top-1, computed where the rows were made (off the HTTP thread). */
  | { readonly type: 'predicted'; readonly id: number; readonly proba: Float32Array; readonly topIds: Int32Array; readonly topScores: Float32Array }
  | { readonly type: 'explained'; readonly id: number; readonly explanations: Contribution[][] }
  | { readonly type: 'failed'; readonly id: number; readonly error: SerialisedError };
