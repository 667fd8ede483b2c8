import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, PrivatePostgres } from '../../bench/cluster-parts.js';
import { openFromSpec } from './models/backends.js';
import { syntheticArtifact } from './models/fixtures.js';

test('a PostgreSQL registry outlives a restart of the server: its idle connections closed, the next query reconnects', async () => {
  // A PostgreSQL of its own (Debian's binaries), so that restarting it disturbs no other test.
  const dir = mkdtempSync(join(tmpdir(), 'lading-pg-restart-'));
  const db = new PrivatePostgres(dir, await freePort()).init();
  db.start();
  try {
    const ws = await openFromSpec({ kind: 'pg', url: db.url, schema: 'lading' });
    try {
      await ws.registerModelVersion({ name: 'm', artifactBytes: syntheticArtifact(1), actor: 'ana' });
      // The restart ends the pool's idle connection: an 'error' event that, without a listener on
      // the pool, ended the process (this test runner with it; every server of `npm run cluster`).
      db.restart();
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((await ws.getModelVersion('m', 1)).version, 1, 'the next query opens a new connection');
      assert.equal((await ws.registerModelVersion({ name: 'm', artifactBytes: syntheticArtifact(2), actor: 'ana' })).version, 2);
    } finally {
      ws.close();
    }
  } finally {
    db.stop('immediate');
    rmSync(dir, { recursive: true, force: true });
  }
});
