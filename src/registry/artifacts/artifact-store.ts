/**
 * Where artifacts (dataset rows, model files) live: content-addressed by sha256, so a stored thing
 * is named by what it is, writing the same bytes twice stores them once, and every read can check
 * it got what was written. Adapters: local-folder/ (default); later PostgreSQL and S3-compatible.
 */
export interface StoredArtifact {
  /** Hex sha256 of the bytes. */
  readonly sha256: string;
  readonly size: number;
}

export interface ArtifactStore {
  /** Stores bytes (idempotent) and returns their address. Durable when the promise resolves. */
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
}

const SHA256_RE = /^[0-9a-f]{64}$/;

export function isSha256Hex(value: string): boolean {
  return SHA256_RE.test(value);
}
