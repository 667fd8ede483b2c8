import type pg from 'pg';
import { sha256Hex } from '../../../core/hash.js';
import {
  checkArtifactAddress, corruptArtifact, missingArtifact, type ArtifactInfo, type ArtifactStore, type StoredArtifact,
} from '../artifact-store.js';

/**
 * Artifacts in PostgreSQL (bytea, table in artifact-schema.ts), content-addressed by sha256, so
 * several machines share them without another service. Writes are idempotent (same bytes, same
 * row) and repair a row whose bytes no longer match; every read re-hashes the bytes and refuses a
 * mismatch, so a corrupted row is never served.
 */
export class PostgresArtifactStore implements ArtifactStore {
  /** `where` names the database in messages (no password), e.g. postgres://host:5432/db#schema. */
  constructor(private readonly pool: pg.Pool, private readonly where = 'postgresql') {}

  locate(sha256: string): string {
    return `${this.where}/artifacts/${sha256}`;
  }

  async put(bytes: Uint8Array): Promise<StoredArtifact> {
    const sha256 = sha256Hex(bytes);
    // The WHERE clause makes the usual case (the same intact bytes again) a no-op, and keeps created_at.
    await this.pool.query(`INSERT INTO artifacts (sha256, bytes, size) VALUES ($1, $2, $3)
      ON CONFLICT (sha256) DO UPDATE SET bytes = excluded.bytes, size = excluded.size WHERE artifacts.bytes IS DISTINCT FROM excluded.bytes`,
    [sha256, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes.byteLength]);
    return { sha256, size: bytes.byteLength };
  }

  async get(sha256: string): Promise<Uint8Array> {
    checkArtifactAddress(sha256);
    const r = await this.pool.query<{ bytes: Buffer }>({ name: 'lading_artifact_get', text: 'SELECT bytes FROM artifacts WHERE sha256 = $1', values: [sha256] });
    const row = r.rows[0];
    if (row === undefined) {
      throw missingArtifact(sha256, this.locate(sha256), 'the PostgreSQL artifact store', 'It was garbage-collected or never stored; re-register the model from its file.');
    }
    const actual = sha256Hex(row.bytes);
    if (actual !== sha256) throw corruptArtifact(this.locate(sha256), sha256, actual, 'Re-register the model from its original file; do not serve this one.');
    return row.bytes;
  }

  async has(sha256: string): Promise<boolean> {
    checkArtifactAddress(sha256);
    return (await this.pool.query('SELECT 1 FROM artifacts WHERE sha256 = $1', [sha256])).rows.length > 0;
  }

  async list(): Promise<string[]> {
    return (await this.pool.query<{ sha256: string }>('SELECT sha256 FROM artifacts ORDER BY sha256')).rows.map((r) => r.sha256);
  }

  async info(sha256: string): Promise<ArtifactInfo | null> {
    checkArtifactAddress(sha256);
    const r = await this.pool.query<{ size: string; created_at: Date }>('SELECT size, created_at FROM artifacts WHERE sha256 = $1', [sha256]);
    const row = r.rows[0];
    return row === undefined ? null : { bytes: Number(row.size), storedAt: row.created_at.toISOString() };
  }

  async delete(sha256: string): Promise<boolean> {
    checkArtifactAddress(sha256);
    return ((await this.pool.query('DELETE FROM artifacts WHERE sha256 = $1', [sha256])).rowCount ?? 0) > 0;
  }
}
