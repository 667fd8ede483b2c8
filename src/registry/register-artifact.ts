import type { ModelRegistry, ModelVersionRecord } from './model-registry.js';

export interface RegisterArtifactInput {
  /** Registered model name, e.g. `hs-codes`. */
  readonly name: string;
  /** The artifact file written by training (src/models/artifact.ts format). */
  readonly artifactPath: string;
  /** Who registers it (a user name, or `lading train`). */
  readonly actor: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** A version of the same model this one was retrained from. */
  readonly parent?: number;
  readonly reason?: string;
}

/**
 * What `lading train --register NAME` calls: registers the artifact as the model's next version
 * (pending approval). Kind, labels, params, metrics, dataset and code version come from the
 * artifact header. Throws ArtifactError / NotFoundError / InputError and changes nothing on bad input.
 */
export function registerArtifact(registry: ModelRegistry, input: RegisterArtifactInput): Promise<ModelVersionRecord> {
  return registry.registerModelVersion({
    name: input.name,
    artifactPath: input.artifactPath,
    actor: input.actor,
    ...(input.tags !== undefined ? { tags: input.tags } : {}),
    ...(input.parent !== undefined ? { parentVersion: input.parent } : {}),
    ...(input.reason !== undefined ? { reason: input.reason } : {}),
  });
}
