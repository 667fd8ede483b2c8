import { ModelThread, type VerifiedArtifactBytes } from '../models/model-thread.js';
import type { RuntimeWorkerReply, RuntimeWorkerRequest } from './worker-protocol.js';

/** One serving thread (runtime-worker.ts) holding the model; inFlight counts requests not yet answered. */
export type ServingThread = ModelThread<RuntimeWorkerRequest, RuntimeWorkerReply>;

export const startServingThread = (modelPath: string, verified?: VerifiedArtifactBytes) =>
  ModelThread.start<RuntimeWorkerRequest, RuntimeWorkerReply>(new URL('./runtime-worker.js', import.meta.url), modelPath, 'serving thread', verified);
