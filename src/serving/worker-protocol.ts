import { ArtifactError, ConflictError, InputError, LadingError, NotFoundError, type ErrorFacts } from '../core/errors.js';
import type { ArtifactHeader } from '../models/artifact.js';
import type { Contribution } from '../models/classifier.js';

/** Messages between a ModelRuntime and its serving threads (runtime-worker.ts). */
export type RuntimeWorkerRequest =
  | { readonly type: 'predict'; readonly id: number; readonly texts: readonly string[] }
  | { readonly type: 'explain'; readonly id: number; readonly texts: readonly string[]; readonly classIds: readonly number[]; readonly limit: number };

export type RuntimeWorkerReply =
  | { readonly type: 'ready'; readonly header: ArtifactHeader; readonly fileSha256: string }
  | { readonly type: 'load-failed'; readonly error: WorkerError }
  | { readonly type: 'predicted'; readonly id: number; readonly proba: Float32Array }
  | { readonly type: 'explained'; readonly id: number; readonly explanations: Contribution[][] }
  | { readonly type: 'failed'; readonly id: number; readonly error: WorkerError };

export interface WorkerError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly facts?: ErrorFacts;
  readonly hint?: string | undefined;
}

/** Rebuilds the error class a worker raised, so callers (and the HTTP status mapping) see the same class. */
export function reviveWorkerError(s: WorkerError): Error {
  if (s.code !== undefined) {
    const Ctor = { InputError, ArtifactError, NotFoundError, ConflictError }[s.name] ?? LadingError;
    return new Ctor(s.code, s.message, s.facts ?? {}, s.hint);
  }
  const e = new Error(s.message);
  e.name = s.name;
  return e;
}
