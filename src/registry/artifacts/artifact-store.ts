import { ArtifactError, InputError, NotFoundError } from '../../core/errors.js';

/**
 * Where artifacts (dataset rows, model files) live: content-addressed by sha256, so a stored thing
 * is named by what it is, writing the same bytes twice stores them once, and every read can check
 * it got what was written. Adapters, one folder each with the same shape: local-folder/ (the
 * embedded default), postgres/ (bytea, shared by several machines), memory/ (tests, embedding).
 * test/registry/artifacts/artifact-store-contract.ts is the one suite all of them pass.
 */
export interface StoredArtifact {
  /** Hex sha256 of the bytes. */
  readonly sha256: string;
  readonly size: number;
}

export interface ArtifactInfo {
  /** Size of the stored bytes. */
  readonly bytes: number;
  /** When the artifact was first stored, ISO 8601 UTC (gc spares young ones). */
  readonly storedAt: string;
}

export interface ArtifactStore {
  /**
   * Stores bytes (idempotent) and returns their address. Durable when the promise resolves. A
   * stored copy that no longer hashes right is replaced, so putting the original bytes repairs it.
   */
  put(bytes: Uint8Array): Promise<StoredArtifact>;
  /**
   * The bytes stored under sha256, verified against it: NotFoundError when absent, ArtifactError
   * (naming the location and both hashes) when the stored bytes do not match.
   */
  get(sha256: string): Promise<Uint8Array>;
  has(sha256: string): Promise<boolean>;
  /** Every stored sha256 (for garbage collection of unreferenced artifacts), sorted. */
  list(): Promise<string[]>;
  /** Where an artifact lives, for messages (a path or URL). */
  locate(sha256: string): string;
  /** Size and storage time of an artifact; null when it is not stored. */
  info(sha256: string): Promise<ArtifactInfo | null>;
  /** Removes an artifact; true when it was stored. Deleting an absent one is not an error. */
  delete(sha256: string): Promise<boolean>;
}

const SHA256_RE = /^[0-9a-f]{64}$/;

export function isSha256Hex(value: string): boolean {
  return SHA256_RE.test(value);
}

/** Every adapter refuses a malformed address the same way (which also keeps "../" out of paths and queries). */
export function checkArtifactAddress(sha256: string): void {
  if (!isSha256Hex(sha256)) throw new InputError('bad-artifact-address', `"${sha256}" is not a sha256 (64 lower-case hex digits)`, { artifact: sha256 });
}

/** The one corruption error: the stored bytes hash to something else than their address. */
export function corruptArtifact(location: string, expected: string, actual: string, hint: string): ArtifactError {
  return new ArtifactError('artifact-corrupt', `artifact ${location} is corrupt: its content hashes to ${actual}, expected ${expected}`,
    { path: location, expectedSha256: expected, actualSha256: actual }, hint);
}

export function missingArtifact(sha256: string, location: string, where: string, hint: string): NotFoundError {
  return new NotFoundError('artifact-not-found', `artifact ${sha256} is missing from ${where}`, { artifact: sha256, path: location }, hint);
}
