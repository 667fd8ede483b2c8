import { readFileSync } from 'node:fs';
import { ArtifactError, ConflictError, NotFoundError } from '../core/errors.js';
import { decodeArtifact } from '../core/artifact-format.js';
import { checkActor, checkModelName, checkTags, checkVersionNumber } from './model-rules.js';
import type { InputSchema, RegisterModelVersionInput } from './model-registry.js';

/**
 * Everything about a new version that does not depend on the database: checked input and the facts
 * read from the verified artifact header. Both adapters call this before they touch anything, so a
 * malformed artifact or bad name changes nothing.
 */
export interface PreparedModelVersion {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly sha256: string;
  readonly kind: string;
  readonly labels: readonly string[];
  readonly inputSchema: InputSchema;
  readonly metrics: Readonly<Record<string, number>>;
  readonly params: Readonly<Record<string, unknown>>;
  readonly datasetId: string | null;
  readonly parentVersion: number | null;
  readonly codeVersion: string;
  readonly actor: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly reason: string | null;
}

export function defaultInputSchema(labelColumn: string | null): InputSchema {
  return {
    inputs: [{ name: 'text', datatype: 'BYTES', shape: [-1] }],
    outputs: [
      { name: 'label', datatype: 'BYTES', shape: [-1] },
      { name: 'probability', datatype: 'FP32', shape: [-1] },
    ],
    labelColumn,
  };
}

export function prepareModelVersion(input: RegisterModelVersionInput): PreparedModelVersion {
  checkModelName(input.name);
  checkActor(input.actor);
  const tags = input.tags ?? {};
  checkTags(tags);
  if (input.parentVersion !== undefined) checkVersionNumber(input.name, input.parentVersion);
  let bytes: Uint8Array;
  let where: string;
  if (input.artifactBytes !== undefined) {
    bytes = input.artifactBytes;
    where = `artifact for ${input.name}`;
  } else if (input.artifactPath !== undefined) {
    where = input.artifactPath;
    try {
      bytes = readFileSync(input.artifactPath);
    } catch (e) {
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      if (missing) throw new NotFoundError('artifact-file-not-found', `model artifact ${input.artifactPath} does not exist`, { file: input.artifactPath });
      throw new ArtifactError('artifact-unreadable', `cannot read model artifact ${input.artifactPath}: ${(e as Error).message}`, { file: input.artifactPath }, undefined, { cause: e });
    }
  } else {
    throw new ArtifactError('artifact-missing', `registering ${input.name} needs artifactPath or artifactBytes`, { model: input.name });
  }
  const artifact = decodeArtifact(bytes, where);
  const h = artifact.header;
  if (typeof h.kind !== 'string' || h.kind === '' || !Array.isArray(h.labels) || h.labels.length === 0) {
    throw new ArtifactError('artifact-bad-header', `${where}: the header lacks a model kind or labels`, { file: where });
  }
  return {
    name: input.name,
    bytes,
    sha256: artifact.fileSha256,
    kind: h.kind,
    labels: h.labels,
    inputSchema: input.inputSchema ?? defaultInputSchema(h.training?.labelColumn ?? null),
    metrics: h.metrics ?? {},
    params: h.params ?? {},
    datasetId: h.training?.datasetId ?? null,
    parentVersion: input.parentVersion ?? null,
    codeVersion: h.codeVersion ?? 'unknown',
    actor: input.actor,
    tags,
    reason: input.reason ?? null,
  };
}

/**
 * Registering bytes a live version of the model already has would add a second name for the same
 * model, so adapters refuse it (inside their registration transaction) unless the caller insists.
 */
export function alreadyRegistered(name: string, version: number, sha256: string): ConflictError {
  return new ConflictError('artifact-already-registered', `${name} already has these bytes as version ${version} (sha256 ${sha256.slice(0, 16)}...); nothing changed`,
    { model: name, version, sha256 }, `Use ${name}@${version}, or pass --force (force: true) to register the same bytes as a new version anyway.`);
}
