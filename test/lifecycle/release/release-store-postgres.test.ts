import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { after, describe, it, test } from 'node:test';
import pg from 'pg';
import { ConflictError, InputError } from '../../../src/core/errors.js';
import { connectLeaseClient, LEASE_LOCK_CLASS, leaseLockKey, PgControllerLease } from '../../../src/lifecycle/release/postgres/controller-lease.js';
import { openPgReleaseStore } from '../../../src/lifecycle/release/postgres/release-store.js';
import { openReleaseStorage } from '../../../src/platform/release-store.js';
import { controllerLeaseContract, newRelease, releaseStoreContract } from './release-store-contract.js';

// Only test files read the environment. Locally: LADING_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test
const url = process.env['LADING_TEST_PG_URL'];

async function dropSchema(pgUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

const freshSchema = () => `lc_test_${randomBytes(5).toString('hex')}`;

/** Polls acquire() every 50 ms until it answers true; the milliseconds it took. */
async function acquireWithin(lease: PgControllerLease, ms: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await lease.acquire(Date.now())) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the standby did not get the lease within ${ms} ms`);
}

if (url === undefined || url === '') {
  test('release store and lease contracts: PostgreSQL', { skip: 'LADING_TEST_PG_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)' }, () => undefined);
} else {
  // A fresh schema per store under test (lc_test_<random>), dropped by cleanup, so parallel runs never collide.
  releaseStoreContract('PostgreSQL (fresh schema)', async () => {
    const schema = freshSchema();
    return { store: await openPgReleaseStore({ url, schema }), cleanup: () => dropSchema(url, schema) };
  });

  controllerLeaseContract('PostgreSQL (two dedicated connections)', async () => {
    const schema = freshSchema();
    await (await openPgReleaseStore({ url, schema })).close();
    const leases: PgControllerLease[] = [];
    return {
      async lease(me) {
        const l = new PgControllerLease({ url, schema, me });
        leases.push(l);
        return l;
      },
      async cleanup() {
        for (const l of leases) await l.close();
        await dropSchema(url, schema);
      },
    };
  });

  describe('PostgreSQL lease: the lock goes with the holder\'s connection', () => {
    const schema = freshSchema();
    after(() => dropSchema(url, schema));

    it('a holder whose connection is destroyed (a dead process) loses the lease; the standby acquires within a second', async (t) => {
      await (await openPgReleaseStore({ url, schema })).close();
      let holderClient: pg.Client | undefined;
      const a = new PgControllerLease({ url, schema, me: 'a', connect: async () => (holderClient = await connectLeaseClient(url, schema)) });
      const b = new PgControllerLease({ url, schema, me: 'b' });
      try {
        assert.equal(await a.acquire(Date.now()), true);
        assert.equal(await b.acquire(Date.now()), false);
        // What the kernel does to a killed process's sockets: gone, no goodbye to the server.
        (holderClient as unknown as { connection: { stream: Socket } }).connection.stream.destroy();
        const start = Date.now();
        while (await b.holder(Date.now()) !== null) {
          assert.ok(Date.now() - start < 1_000, 'the dead holder\'s row stops counting once its lock is gone');
          await new Promise((r) => setTimeout(r, 20));
        }
        const took = await acquireWithin(b, 1_000);
        t.diagnostic(`standby took over ${took} ms after the holder's socket was destroyed`);
        assert.equal(await b.holder(Date.now()), 'b');
        assert.equal(await a.acquire(Date.now()), false, 'the old holder notices its connection is gone and does not act');
        assert.equal(await a.acquire(Date.now()), false, 'and, reconnected, finds the lease taken');
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('a child process holding the lease is SIGKILLed; the parent acquires within 10 s', async (t) => {
      const child = `
const { PgControllerLease } = await import(${JSON.stringify(new URL('../../../src/lifecycle/release/postgres/controller-lease.js', import.meta.url).href)});
const lease = new PgControllerLease({ url: ${JSON.stringify(url)}, schema: ${JSON.stringify(schema)}, me: 'child:' + process.pid });
if (!(await lease.acquire(Date.now()))) { console.error('could not acquire'); process.exit(3); }
process.stdout.write('held\\n');
setInterval(() => void lease.acquire(Date.now()), 200);
`;
      const proc = spawn(process.execPath, ['--input-type=module', '-e', child], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      proc.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
      const parent = new PgControllerLease({ url, schema, me: 'parent' });
      try {
        await new Promise<void>((resolve, reject) => {
          proc.stdout.on('data', (d: Buffer) => { if (d.toString().includes('held')) resolve(); });
          void exited.then(() => reject(new Error(`the child exited before holding the lease: ${stderr}`)));
        });
        assert.equal(await parent.acquire(Date.now()), false, 'held by the child');
        assert.equal(await parent.holder(Date.now()), `child:${proc.pid}`);
        proc.kill('SIGKILL');
        assert.equal(await exited, 'SIGKILL');
        const took = await acquireWithin(parent, 10_000);
        assert.equal(await parent.holder(Date.now()), 'parent');
        t.diagnostic(`parent took over ${took} ms after the child's SIGKILL`);
      } finally {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
        await parent.close();
      }
    });

    it('a holder whose server session is terminated answers false on its next acquire, and the standby takes over', async () => {
      const a = new PgControllerLease({ url, schema, me: 'a' });
      const b = new PgControllerLease({ url, schema, me: 'b' });
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        assert.equal(await a.acquire(Date.now()), true);
        const pid = (await admin.query<{ backend_pid: number }>(`SELECT backend_pid FROM ${schema}.lc_controller_lease WHERE name = 'controller'`)).rows[0]!.backend_pid;
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        await acquireWithin(b, 1_000);
        assert.equal(await a.acquire(Date.now()), false, 'the re-check finds its session gone: it must not act');
        assert.equal(await a.holder(Date.now()), 'b');
      } finally {
        await admin.end();
        await a.close();
        await b.close();
      }
    });

    it('openReleaseStorage with a registry URL: lc_* tables in the registry schema, and close hands the lease over', async () => {
      const settings = { home: '/nonexistent-home-not-used', registryUrl: url, registrySchema: schema };
      const one = await openReleaseStorage(settings, 'one');
      const two = await openReleaseStorage(settings, 'two');
      try {
        const r = await one.releases.create(newRelease('via-platform'), 1);
        assert.equal((await two.releases.active('via-platform'))?.id, r.id);
        assert.equal(await one.lease.acquire(Date.now()), true);
        assert.equal(await two.lease.acquire(Date.now()), false);
        await one.close();
        assert.equal(await two.lease.acquire(Date.now()), true, 'close gave the lease up at once');
      } finally {
        await two.close();
      }
    });
  });

  test('reopening a schema applies nothing again and keeps its releases; a migration this lading does not know, or a changed one, is a ConflictError', async () => {
    const schema = freshSchema();
    try {
      const first = await openPgReleaseStore({ url, schema });
      const r = await first.create(newRelease('hs'), 1);
      await first.close();
      const again = await openPgReleaseStore({ url, schema });
      assert.equal((await again.active('hs'))?.id, r.id);
      await again.close();
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        assert.deepEqual((await admin.query(`SELECT version FROM ${schema}.lc_schema_migrations`)).rows, [{ version: 1 }]);
        await admin.query(`INSERT INTO ${schema}.lc_schema_migrations (version, sha256) VALUES (99, 'x')`);
        await assert.rejects(openPgReleaseStore({ url, schema }), (e: unknown) => e instanceof ConflictError && e.code === 'release-store-mismatch' && /migration 99/.test(e.message));
        await admin.query(`DELETE FROM ${schema}.lc_schema_migrations WHERE version = 99`);
        await admin.query(`UPDATE ${schema}.lc_schema_migrations SET sha256 = 'changed' WHERE version = 1`);
        await assert.rejects(openPgReleaseStore({ url, schema }), (e: unknown) => e instanceof ConflictError && /migration 1, which differs/.test(e.message));
      } finally {
        await admin.end();
      }
    } finally {
      await dropSchema(url, schema);
    }
  });

  test('a lease on a schema without the release tables is a fault acquire() reports, and it keeps no lock', async () => {
    const schema = freshSchema();
    const lease = new PgControllerLease({ url, schema, me: 'a' });
    try {
      await assert.rejects(lease.acquire(Date.now()), (e: unknown) => e instanceof pg.DatabaseError && e.code === '42P01' && /lc_controller_lease/.test(e.message));
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        // The connection is dropped without waiting for the goodbye: give the server a moment.
        const start = Date.now();
        const held = () => admin.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::oid AND objid = $2::oid`, [LEASE_LOCK_CLASS, leaseLockKey(schema, 'controller')]);
        while ((await held()).rowCount !== 0) {
          assert.ok(Date.now() - start < 1_000, 'the lock taken before the failed write went with the dropped connection');
          await new Promise((r) => setTimeout(r, 20));
        }
      } finally {
        await admin.end();
      }
    } finally {
      await lease.close();
    }
  });

  test('a schema name that is not a plain identifier is an InputError naming it, before anything connects', async () => {
    const bad = 'lading; DROP SCHEMA public';
    const isBad = (e: unknown) => e instanceof InputError && e.code === 'bad-pg-schema' && e.message.includes(bad);
    await assert.rejects(openPgReleaseStore({ url, schema: bad }), isBad);
    assert.throws(() => new PgControllerLease({ url, schema: bad, me: 'a' }), isBad);
    await assert.rejects(openReleaseStorage({ home: '/nonexistent', registryUrl: url, registrySchema: bad }, 'a'), isBad);
  });
}
