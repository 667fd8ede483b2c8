import type pg from 'pg';
import { ArtifactError, InputError, NotFoundError } from '../../../core/errors.js';
import { sha256Hex } from '../../../core/hash.js';
import type { ArtifactStore, StoredArtifact } from '../artifact-store.js';

export interface StoredArtifactInfo {
  readonly sha256: string;
  readonly bytes: number;
  readonly createdAt: string;
}

const SHA = /^[0-9a-f]{64}$/;

function checkSha(sha256: string): void {
  if (!SHA.test(sha256)) throw new InputError('bad-sha256', `"${sha256}" is not a sha256 (64 lower-case hex digits)`, { sha256 });
}

/**
 * Artifacts in PostgreSQL (bytea), content-addressed by sha256, so several machines share them
 * without another service. Writes are idempotent (same bytes, same row); every read re-hashes the
 * bytes and refuses a mismatch, so a corrupted row is never served.
 */
export class PostgresArtifactStore implements ArtifactStore {
  /** `where` names the database in messages (no password), e.g. postgres://host:5432/db#schema. */
  constructor(private readonly pool: pg.Pool, private readonly where = 'postgresql') {}

  locate(sha256: string): string {
    return `${this.where}/artifacts/${sha256}`;
  }

  async put(bytes: Uint8Array): Promise<StoredArtifact> {
    const sha256 = sha256Hex(bytes);
    await this.pool.query('INSERT INTO artifacts (sha256, bytes, size) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING',
      [sha256, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes.byteLength]);
    return { sha256, size: bytes.byteLength };
  }

  async get(sha256: string): Promise<Uint8Array> {
    checkSha(sha256);
    const r = await this.pool.query<{ bytes: Buffer }>({ name: 'lading_artifact_get', text: 'SELECT bytes FROM artifacts WHERE sha256 = $1', values: [sha256] });
    const row = r.rows[0];
    if (row === undefined) {
      throw new NotFoundError('artifact-not-found', `artifact ${sha256} is not in the PostgreSQL artifact store`, { artifact: sha256, path: this.locate(sha256) },
        'It was garbage-collected or never stored; re-register the model from its file.');
    }
    const actual = sha256Hex(row.bytes);
    if (actual !== sha256) {
      throw new ArtifactError('artifact-corrupt', `artifact ${this.locate(sha256)} is corrupt: its content hashes to ${actual}, expected ${sha256}`,
        { path: this.locate(sha256), expectedSha256: sha256, actualSha256: actual }, 'Re-register the model from its original file; do not serve this one.');
    }
    return row.bytes;
  }

  async has(sha256: string): Promise<boolean> {
    checkSha(sha256);
    return (await this.pool.query('SELECT 1 FROM artifacts WHERE sha256 = $1', [sha256])).rows.length > 0;
  }

  async list(): Promise<string[]> {
    return (await this.pool.query<{ sha256: string }>('SELECT sha256 FROM artifacts ORDER BY sha256')).rows.map((r) => r.sha256);
  }

  /** Every artifact with its size and when it was stored (gc spares young ones). */
  async listWithInfo(): Promise<StoredArtifactInfo[]> {
    const r = await this.pool.query<{ sha256: string; size: string; created_at: Date }>('SELECT sha256, size, created_at FROM artifacts ORDER BY sha256');
    return r.rows.map((x) => ({ sha256: x.sha256, bytes: Number(x.size), createdAt: x.created_at.toISOString() }));
  }

  async delete(sha256: string): Promise<boolean> {
    checkSha(sha256);
    return ((await this.pool.query('DELETE FROM artifacts WHERE sha256 = $1', [sha256])).rowCount ?? 0) > 0;
  }
}
