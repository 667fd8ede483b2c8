import { sha256Hex } from '../../../core/hash.js';
import {
  checkArtifactAddress, corruptArtifact, missingArtifact, type ArtifactInfo, type ArtifactStore, type StoredArtifact,
} from '../artifact-store.js';

/** One stored artifact in memory. */
export interface MemoryArtifact {
  bytes: Uint8Array;
  readonly storedAt: string;
}

/**
 * Artifacts in a Map, for tests and single-process embedding. Behaves as the other stores do:
 * bytes are copied in and out (a caller changing its buffer changes nothing stored), and every read
 * is verified. The map may be handed in, so a test can reach the stored bytes.
 */
export class MemoryArtifactStore implements ArtifactStore {
  constructor(private readonly artifacts: Map<string, MemoryArtifact> = new Map()) {}

  locate(sha256: string): string {
    return `memory:artifacts/${sha256}`;
  }

  async put(bytes: Uint8Array): Promise<StoredArtifact> {
    const sha256 = sha256Hex(bytes);
    const existing = this.artifacts.get(sha256);
    if (existing === undefined) this.artifacts.set(sha256, { bytes: bytes.slice(), storedAt: new Date().toISOString() });
    else if (sha256Hex(existing.bytes) !== sha256) existing.bytes = bytes.slice();
    return { sha256, size: bytes.byteLength };
  }

  async get(sha256: string): Promise<Uint8Array> {
    checkArtifactAddress(sha256);
    const stored = this.artifacts.get(sha256);
    if (stored === undefined) throw missingArtifact(sha256, this.locate(sha256), 'the in-memory artifact store', 'It was deleted or never stored in this process.');
    const actual = sha256Hex(stored.bytes);
    if (actual !== sha256) throw corruptArtifact(this.locate(sha256), sha256, actual, 'Put the original bytes again.');
    return stored.bytes.slice();
  }

  async has(sha256: string): Promise<boolean> {
    checkArtifactAddress(sha256);
    return this.artifacts.has(sha256);
  }

  async list(): Promise<string[]> {
    return [...this.artifacts.keys()].sort();
  }

  async info(sha256: string): Promise<ArtifactInfo | null> {
    checkArtifactAddress(sha256);
    const stored = this.artifacts.get(sha256);
    return stored === undefined ? null : { bytes: stored.bytes.byteLength, storedAt: stored.storedAt };
  }

  async delete(sha256: string): Promise<boolean> {
    checkArtifactAddress(sha256);
    return this.artifacts.delete(sha256);
  }
}
