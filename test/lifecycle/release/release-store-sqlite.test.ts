import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteControllerLease } from '../../../src/lifecycle/release/sqlite/controller-lease.js';
import { openSqliteReleaseDatabase, SqliteReleaseStore } from '../../../src/lifecycle/release/sqlite/release-store.js';
import { openReleaseStorage } from '../../../src/platform/release-store.js';
import { controllerLeaseContract, newRelease, releaseStoreContract } from './release-store-contract.js';

const tempHome = () => mkdtempSync(join(tmpdir(), 'lading-releases-'));

releaseStoreContract('SQLite (fresh file)', async () => {
  const home = tempHome();
  return { store: new SqliteReleaseStore(openSqliteReleaseDatabase(join(home, 'controller.sqlite'))), cleanup: async () => rmSync(home, { recursive: true, force: true }) };
});

controllerLeaseContract('SQLite (two connections to one file)', async () => {
  const home = tempHome();
  const leases: SqliteControllerLease[] = [];
  return {
    async lease(me) {
      const l = new SqliteControllerLease(openSqliteReleaseDatabase(join(home, 'controller.sqlite')), me, 1_000);
      leases.push(l);
      return l;
    },
    async cleanup() {
      for (const l of leases) l.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
});

test('SQLite lease: a holder that stops renewing loses it at its expiry, and the standby takes over', async () => {
  const home = tempHome();
  const file = join(home, 'controller.sqlite');
  const a = new SqliteControllerLease(openSqliteReleaseDatabase(file), 'a', 1_000);
  const b = new SqliteControllerLease(openSqliteReleaseDatabase(file), 'b', 1_000);
  try {
    const t = 1_800_000_000_000;
    assert.equal(await a.acquire(t), true);
    assert.equal(await b.acquire(t + 999), false, 'not before the expiry');
    assert.equal(await b.holder(t + 999), 'a');
    assert.equal(await b.holder(t + 1_000), null, 'expired: nobody holds it');
    assert.equal(await b.acquire(t + 1_000), true);
    assert.equal(await a.acquire(t + 1_001), false, 'the old holder finds it taken');
  } finally {
    a.close();
    b.close();
    rmSync(home, { recursive: true, force: true });
  }
});

test('openReleaseStorage without a registry URL keeps releases and the lease in <home>/controller.sqlite', async () => {
  const home = tempHome();
  const settings = { home: join(home, 'nested'), registryUrl: undefined, registrySchema: 'lading' };
  try {
    const one = await openReleaseStorage(settings, 'one');
    assert.equal(one.where, join(home, 'nested', 'controller.sqlite'));
    const created = await one.releases.create(newRelease('hs'), 1);
    assert.equal(await one.lease.acquire(Date.now()), true);
    const two = await openReleaseStorage(settings, 'two');
    assert.equal(await two.lease.acquire(Date.now()), false);
    assert.equal((await two.releases.active('hs'))?.id, created.id, 'the second opener sees the first one\'s release');
    await one.close();
    assert.equal(await two.lease.acquire(Date.now()), true, 'close gave the lease up at once');
    await two.close();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
