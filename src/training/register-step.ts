import { InterruptedError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import type { ArtifactMeta } from '../models/artifact.js';

/** An artifact a pipeline produced, still in memory: what a registry needs to record a version. */
export interface ProducedArtifact {
  readonly bytes: Buffer;
  /** sha256 of the whole artifact: its identity in every registry and artifact store. */
  readonly sha256: string;
  readonly meta: ArtifactMeta;
}

/**
 * The "registered version" step, handed in by the caller. training/ may not import registry/
 * (layers), so the CLI, the demo and the retraining controller pass a function that records the
 * bytes as a model version, e.g. `(a) => registerArtifact(workspace, { name, artifactBytes: a.bytes, ... })`,
 * and the pipeline hands back whatever it returns (the version record).
 */
export type RegisterStep<R> = (artifact: ProducedArtifact) => Promise<R>;

/**
 * Hashes the bytes and, when asked, registers them. A run stopped before this point registers
 * nothing: the signal is checked first, so Ctrl-C after the last epoch does not leave a version.
 */
export async function produceArtifact<R>(bytes: Buffer, meta: ArtifactMeta, what: string, register?: RegisterStep<R>, signal?: AbortSignal): Promise<ProducedArtifact & { readonly registered: R | undefined }> {
  const artifact: ProducedArtifact = { bytes, sha256: sha256Hex(bytes), meta };
  if (register === undefined) return { ...artifact, registered: undefined };
  if (signal?.aborted) throw new InterruptedError(what);
  return { ...artifact, registered: await register(artifact) };
}
