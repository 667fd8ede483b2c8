import type { ModelRegistry, ModelVersionRecord } from './model-registry.js';

/** Where the artifact comes from: bytes in memory (a training run) or a file (`models register FILE`). */
export type ArtifactSource =
  | { readonly artifactBytes: Uint8Array; readonly artifactPath?: never }
  | { readonly artifactPath: string; readonly artifactBytes?: never };

export type RegisterArtifactInput = ArtifactSource & {
  /** Registered model name, e.g. `hs-codes`. */
  readonly name: string;
  /** Who registers it (a user name, or `lading train`). */
  readonly actor: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** A version of the same model this one was retrained from. */
  readonly parent?: number;
  readonly reason?: string;
  /** Register even if a live version already has these exact bytes (otherwise a ConflictError). */
  readonly force?: boolean;
};

/**
 * What `lading train --register NAME`, `import-onnx --register` and `models register` call:
 * registers the artifact as the model's next version (pending approval). Kind, labels, params,
 * metrics, dataset and code version come from the artifact header. Throws ArtifactError /
 * NotFoundError / InputError, or ConflictError when the model already has these bytes, and
 * changes nothing then.
 */
export function registerArtifact(registry: ModelRegistry, input: RegisterArtifactInput): Promise<ModelVersionRecord> {
  return registry.registerModelVersion({
    name: input.name,
    ...(input.artifactBytes !== undefined ? { artifactBytes: input.artifactBytes } : { artifactPath: input.artifactPath }),
    actor: input.actor,
    ...(input.tags !== undefined ? { tags: input.tags } : {}),
    ...(input.parent !== undefined ? { parentVersion: input.parent } : {}),
    ...(input.reason !== undefined ? { reason: input.reason } : {}),
    ...(input.force === true ? { force: true } : {}),
  });
}
