/**
 * What the model registry needs from an artifact store: put bytes (content-addressed by sha256)
 * and get them back verified. Kept this narrow so any ArtifactStore adapter fits with a one-line
 * wrapper (see artifactBytesFrom in the adapters).
 */
export interface ModelArtifactBytes {
  /** Stores the bytes (idempotent: same bytes, same sha256) and says where they are. */
  putArtifact(bytes: Uint8Array): Promise<{ readonly sha256: string; readonly uri: string }>;
  /** The bytes with this sha256, verified; ArtifactError when missing or corrupt. */
  getArtifact(sha256: string): Promise<Uint8Array>;
}
