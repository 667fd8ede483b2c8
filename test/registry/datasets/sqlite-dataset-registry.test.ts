import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import type { DatasetRows } from '../../../src/core/dataset.js';
import { encodeDatasetRows } from '../../../src/core/dataset-codec.js';
import { ArtifactError, ConflictError } from '../../../src/core/errors.js';
import { openEmbeddedWorkspace } from '../../../src/platform/index.js';
import { MIGRATIONS } from '../../../src/registry/sqlite/migrations.js';
import { openSqliteDatabase } from '../../../src/registry/sqlite/connection.js';
import { datasetRegistryContract } from './dataset-registry-contract.js';

function tempHome(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'lading-ws-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'home');
}

datasetRegistryContract('sqlite + local folder', async (t) => {
  const home = tempHome(t);
  const registry = openEmbeddedWorkspace(home);
  t.after(() => registry.close());
  return { registry, reopen: async () => openEmbeddedWorkspace(home) };
});

const ROWS: DatasetRows = { textColumn: 'text', labelColumns: ['label'], texts: ['a', 'b'], labels: { label: ['x', 'y'] } };

describe('sqlite workspace', () => {
  it('creates lading.db (WAL) and artifacts/, and stores the rows as a content-addressed artifact', async (t) => {
    const home = tempHome(t);
    const registry = openEmbeddedWorkspace(home);
    const { version } = await registry.saveDataset(ROWS, { file: 'a.csv', format: 'csv' });
    registry.close();
    assert.ok(readdirSync(home).includes('lading.db'));
    const sha = version.contentSha256;
    const artifact = join(home, 'artifacts', 'sha256', sha.slice(0, 2), sha);
    assert.deepEqual(readdirSync(join(home, 'artifacts', 'sha256', sha.slice(0, 2))), [sha]);
    const db = new Database(join(home, 'lading.db'), { readonly: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      const row = db.prepare('SELECT * FROM datasets').get() as Record<string, unknown>;
      assert.equal(row['content_sha256'], sha);
      assert.equal(row['artifact_sha256'], sha);
      assert.deepEqual(JSON.parse(row['label_columns'] as string), ['label']);
      assert.deepEqual(db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all(), MIGRATIONS.map((m) => m.version));
    } finally {
      db.close();
    }
    assert.ok(artifact.length > 0);
  });

  it('a corrupted artifact is refused with its path and both hashes', async (t) => {
    const home = tempHome(t);
    const registry = openEmbeddedWorkspace(home);
    t.after(() => registry.close());
    const { version } = await registry.saveDataset(ROWS, { file: 'a.csv', format: 'csv' });
    const sha = version.contentSha256;
    const path = join(home, 'artifacts', 'sha256', sha.slice(0, 2), sha);
    const tampered = Buffer.from(encodeDatasetRows({ ...ROWS, texts: ['a', 'B'] }));
    writeFileSync(path, tampered);
    await assert.rejects(registry.loadDatasetRows(version.id), (e: unknown) => {
      assert.ok(e instanceof ArtifactError);
      assert.equal(e.facts['path'], path);
      assert.equal(e.facts['expectedSha256'], sha);
      assert.match(String(e.facts['actualSha256']), /^[0-9a-f]{64}$/);
      assert.ok(e.message.includes(path));
      return true;
    });
  });

  it('an artifact left by a crash before the insert shows up as unreferenced', async (t) => {
    const home = tempHome(t);
    const registry = openEmbeddedWorkspace(home);
    t.after(() => registry.close());
    await registry.saveDataset(ROWS, { file: 'a.csv', format: 'csv' });
    // Simulate the crash window: the artifact is written, the row never inserted.
    const orphan = encodeDatasetRows({ ...ROWS, texts: ['c', 'd'] });
    const { LocalFolderArtifactStore } = await import('../../../src/registry/artifacts/local-folder/artifact-store.js');
    const { sha256 } = await new LocalFolderArtifactStore(join(home, 'artifacts')).put(orphan);
    assert.deepEqual(await registry.listUnreferencedArtifacts(), [sha256]);
  });

  it('migrations are numbered 1..n and re-opening applies nothing twice', (t) => {
    assert.deepEqual(MIGRATIONS.map((m) => m.version), MIGRATIONS.map((_, i) => i + 1));
    const file = join(mkdtempSync(join(tmpdir(), 'lading-db-')), 'x.db');
    t.after(() => rmSync(join(file, '..'), { recursive: true, force: true }));
    openSqliteDatabase(file).close();
    const db = openSqliteDatabase(file);
    assert.equal(db.prepare('SELECT COUNT(*) FROM schema_migrations').pluck().get(), MIGRATIONS.length);
    db.close();
  });

  it('refuses a workspace from a newer lading, and one whose applied migration was edited', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'lading-db-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const newer = join(dir, 'newer.db');
    openSqliteDatabase(newer, [...MIGRATIONS, { version: MIGRATIONS.length + 1, sql: 'CREATE TABLE later (x INTEGER)' }]).close();
    assert.throws(() => openSqliteDatabase(newer), (e: unknown) => e instanceof ConflictError && e.code === 'workspace-too-new');
    const edited = join(dir, 'edited.db');
    openSqliteDatabase(edited).close();
    const changed = MIGRATIONS.map((m, i) => (i === 0 ? { ...m, sql: `${m.sql}\nCREATE TABLE sneaky (x INTEGER);` } : m));
    assert.throws(() => openSqliteDatabase(edited, changed), (e: unknown) => e instanceof ConflictError && e.code === 'migration-changed');
  });
});
