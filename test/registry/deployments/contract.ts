import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, type TestContext } from 'node:test';
import type { DeploymentSpec, VariantSpec } from '../../../src/core/deployment-spec.js';
import { ConflictError, InputError } from '../../../src/core/errors.js';
import type { DeploymentAction, DeploymentStore } from '../../../src/registry/deployment-store.js';
import type { Workspace } from '../../../src/registry/workspace.js';
import { openFromSpec, type TestBackend } from '../models/backends.js';
import { writeSyntheticArtifact } from '../models/fixtures.js';

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));

function runChild(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const variant = (name: string, model: string, weight = 1, role: VariantSpec['role'] = 'primary'): VariantSpec => ({ name, model, weight, role });
const single = (endpoint: string, model: string): DeploymentSpec => ({ endpoint, mode: 'single', variants: [variant('main', model)] });
/** Timestamps have millisecond resolution; a pause keeps "before" and "after" apart. */
const tick = () => new Promise((r) => setTimeout(r, 15));

/** A fresh, empty deployment store, and (for the database ones) the back-end behind it. */
export interface DeploymentStoreUnderTest {
  readonly store: DeploymentStore;
  /** Set for database stores: what only they can show (reopening, raw SQL, other processes, lineage). */
  readonly durable?: { readonly backend: TestBackend; readonly workspace: Workspace };
  close(): Promise<void>;
}

/** The workspace's deployment store on a fresh back-end. */
export function workspaceStore(makeBackend: () => TestBackend): () => Promise<DeploymentStoreUnderTest> {
  return async () => {
    const backend = makeBackend();
    const workspace = await openFromSpec(backend.spec);
    return { store: workspace.deployments, durable: { backend, workspace }, close: async () => { workspace.close(); await backend.cleanup(); } };
  };
}

/**
 * The DeploymentStore contract (registry/deployment-store.ts) and deployment lineage, run against
 * one adapter (SQLite, PostgreSQL, memory), with a fresh, empty store per test. Tests of what only a
 * database store can do are defined only for database adapters (`database: false` leaves them out,
 * so CI counts no skipped test).
 */
export function deploymentStoreContract(label: string, open: () => Promise<DeploymentStoreUnderTest>, { database = true }: { database?: boolean } = {}): void {
  const itDb: typeof it = database ? it : ((() => undefined) as unknown as typeof it);
  const withStore = async (t: TestContext, fn: (d: DeploymentStore, durable: DeploymentStoreUnderTest['durable']) => Promise<void>) => {
    const under = await open();
    try {
      await fn(under.store, under.durable);
    } finally {
      await under.close();
    }
  };
  /** Runs on a database store (defined through itDb, so never on the memory one). */
  const withDatabase = async (t: TestContext, fn: (d: DeploymentStore, ws: Workspace, backend: TestBackend) => Promise<void>) => withStore(t, async (d, durable) => {
    if (durable === undefined) throw new Error(`${label}: a database-only test ran on a store without a database`);
    await fn(d, durable.workspace, durable.backend);
  });

  describe(`deployment store contract: ${label}`, () => {
    it('refuses a change computed from a revision that is no longer the latest, and writes nothing', (t) => withStore(t, async (d) => {
      await d.append('hs', single('hs', 'a@1'), 'deploy', 'ann', null, 0);
      await d.append('hs', single('hs', 'a@2'), 'deploy', 'bob', null, 1);
      // Ann's change was made from revision 1; Bob's landed in between.
      await assert.rejects(d.append('hs', single('hs', 'a@3'), 'deploy', 'ann', null, 1),
        (e: unknown) => e instanceof ConflictError && e.code === 'deployment-changed' && /revision 2/.test(e.message));
      await assert.rejects(d.append('new', single('new', 'a@1'), 'deploy', 'ann', null, 3), ConflictError);
      assert.equal((await d.current('hs'))!.revision, 2);
      assert.equal((await d.current('hs'))!.spec!.variants[0]!.model, 'a@2');
      assert.equal(await d.current('new'), undefined);
      assert.equal((await d.append('hs', single('hs', 'a@3'), 'deploy', 'ann', null, 2)).revision, 3);
    }));

    it('appends revisions and reads them back, also after reopening', (t) => withStore(t, async (d, durable) => {
      assert.equal(await d.lastSeq(), 0);
      assert.equal(await d.current('hs'), undefined);
      assert.deepEqual(await d.currentAll(), []);
      assert.deepEqual(await d.history('hs'), []);
      const ab: DeploymentSpec = { endpoint: 'hs', mode: 'ab', variants: [variant('a', 'hs4@champion', 90), variant('b', 'hs4@challenger', 10)] };
      const r1 = await d.append('hs', ab, 'deploy', 'ann', 'first A/B');
      assert.equal(r1.endpoint, 'hs');
      assert.equal(r1.revision, 1);
      assert.ok(r1.seq >= 1);
      assert.deepEqual(r1.spec, ab);
      assert.equal(r1.action, 'deploy');
      assert.equal(r1.actor, 'ann');
      assert.equal(r1.reason, 'first A/B');
      assert.ok(!Number.isNaN(Date.parse(r1.at)) && r1.at.endsWith('Z'), `ISO time, got ${r1.at}`);
      const g1 = await d.append('grocery', single('grocery', '/models/g.lading'), 'deploy', 'bob', null);
      assert.equal(g1.revision, 1, 'revisions count per endpoint');
      assert.equal(g1.reason, null);
      assert.deepEqual(await d.current('hs'), r1);
      assert.deepEqual(await d.currentAll(), [g1, r1], 'newest revision of each endpoint, by name');
      if (durable === undefined) return;
      const again = await openFromSpec(durable.backend.spec);
      try {
        assert.deepEqual(await again.deployments.history('hs'), [r1]);
        assert.deepEqual(await again.deployments.currentAll(), [g1, r1]);
        assert.equal(await again.deployments.lastSeq(), g1.seq);
      } finally {
        again.close();
      }
    }));

    it('history is oldest first; seq increases across endpoints and lastSeq follows it', (t) => withStore(t, async (d) => {
      const written = [];
      const actions: DeploymentAction[] = ['deploy', 'canary', 'promote', 'switch', 'rollback'];
      for (let i = 0; i < 10; i++) {
        const endpoint = i % 3 === 0 ? 'b-endpoint' : 'a-endpoint';
        const r = await d.append(endpoint, single(endpoint, `m@${i + 1}`), actions[i % actions.length]!, 'ann', `step ${i}`);
        assert.equal(await d.lastSeq(), r.seq, 'lastSeq is the seq just written');
        written.push(r);
      }
      for (let i = 1; i < written.length; i++) assert.ok(written[i]!.seq > written[i - 1]!.seq, 'seq strictly increases');
      const a = await d.history('a-endpoint');
      assert.deepEqual(a.map((r) => r.revision), [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(a.map((r) => r.spec?.variants[0]?.model), ['m@2', 'm@3', 'm@5', 'm@6', 'm@8', 'm@9']);
      assert.deepEqual(a, written.filter((r) => r.endpoint === 'a-endpoint'));
      assert.deepEqual((await d.history('b-endpoint')).map((r) => [r.revision, r.action]), [[1, 'deploy'], [2, 'switch'], [3, 'canary'], [4, 'rollback']]);
      for (let i = 1; i < a.length; i++) assert.ok(a[i]!.at >= a[i - 1]!.at, 'times do not go backwards');
    }));

    it('a removed endpoint keeps its history: spec null, listed, and a later deploy continues the numbering', (t) => withStore(t, async (d) => {
      await d.append('hs', single('hs', 'm@1'), 'deploy', 'ann', null);
      const removed = await d.append('hs', null, 'remove', 'ann', 'decommissioned');
      assert.equal(removed.spec, null);
      assert.equal(removed.revision, 2);
      assert.deepEqual(await d.current('hs'), removed);
      assert.deepEqual(await d.currentAll(), [removed]);
      const back = await d.append('hs', single('hs', 'm@2'), 'deploy', 'bob', null);
      assert.equal(back.revision, 3);
      assert.deepEqual((await d.history('hs')).map((r) => r.spec === null), [false, true, false]);
    }));

    it('bad input gets an InputError naming the problem and writes nothing', (t) => withStore(t, async (d) => {
      await d.append('hs', single('hs', 'm@1'), 'deploy', 'ann', null);
      const before = JSON.stringify({ all: await d.currentAll(), h: await d.history('hs'), seq: await d.lastSeq() });
      const refused = async (p: Promise<unknown>, code: string) => assert.rejects(p, (e: unknown) => e instanceof InputError && e.code === code);
      await refused(d.append('bad name', single('bad name', 'm@1'), 'deploy', 'ann', null), 'bad-endpoint-name');
      await refused(d.append('', null, 'remove', 'ann', null), 'bad-endpoint-name');
      await refused(d.append('hs', single('other', 'm@1'), 'deploy', 'ann', null), 'endpoint-mismatch');
      await refused(d.append('hs', single('hs', 'm@1'), 'deploy', '  ', null), 'missing-actor');
      await refused(d.append('hs', single('hs', 'm@1'), 'erase' as DeploymentAction, 'ann', null), 'bad-deployment-action');
      await refused(d.append('hs', { endpoint: 'hs', mode: 'single' } as unknown as DeploymentSpec, 'deploy', 'ann', null), 'bad-deployment-spec');
      assert.equal(JSON.stringify({ all: await d.currentAll(), h: await d.history('hs'), seq: await d.lastSeq() }), before);
    }));

    itDb('the database itself refuses UPDATE and DELETE of a revision', (t) => withDatabase(t, async (d, _ws, backend) => {
      await d.append('hs', single('hs', 'm@1'), 'deploy', 'ann', null);
      const before = await d.history('hs');
      await assert.rejects(backend.rawExec(`UPDATE deployments SET actor = 'mallory'`), /append-only/);
      await assert.rejects(backend.rawExec(`UPDATE deployments SET spec = NULL WHERE endpoint = 'hs'`), /append-only/);
      await assert.rejects(backend.rawExec('DELETE FROM deployments'), /append-only/);
      if (backend.name === 'postgres') await assert.rejects(backend.rawExec('TRUNCATE deployments'), /append-only/);
      assert.deepEqual(await d.history('hs'), before);
    }));

    itDb('two processes appending to one endpoint at once get distinct, gapless revisions', { timeout: 30_000 }, (t) => withDatabase(t, async (d, _ws, backend) => {
      const spec = JSON.stringify(backend.spec);
      const startAt = String(Date.now() + 700);
      const [a, b] = await Promise.all([runChild([spec, 'hs', '15', startAt]), runChild([spec, 'hs', '15', startAt])]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      const got = [...(JSON.parse(a.stdout) as number[]), ...(JSON.parse(b.stdout) as number[])].sort((x, y) => x - y);
      assert.deepEqual(got, Array.from({ length: 30 }, (_, i) => i + 1));
      const history = await d.history('hs');
      assert.deepEqual(history.map((r) => r.revision), got);
      assert.equal(new Set(history.map((r) => r.actor)).size, 2, 'both processes wrote');
      for (let i = 1; i < history.length; i++) {
        assert.ok(history[i]!.seq > history[i - 1]!.seq, 'seq follows revision order: commit order');
        assert.ok(history[i]!.at >= history[i - 1]!.at, 'times follow revision order');
      }
      assert.equal(await d.lastSeq(), history.at(-1)!.seq);
    }));

    itDb('lineage: which deployments referred to a version and when (name@N exactly, name@alias through the alias history)', (t) => withDatabase(t, async (d, ws) => {
      const dir = mkdtempSync(join(tmpdir(), 'lading-deploy-lineage-'));
      try {
        const register = async (name: string, seed: number) => {
          const v = await ws.registerModelVersion({ name, artifactPath: writeSyntheticArtifact(dir, seed), actor: 'ana' });
          return ws.approveVersion({ name, version: v.version, actor: 'bo', reason: 'ok' });
        };
        await register('m', 1);
        await register('m', 2);
        await register('m2', 3);
        await ws.setAlias({ name: 'm', alias: 'champion', version: 1, actor: 'bo' });
        await tick();
        const hs1 = await d.append('hs', single('hs', 'm@champion'), 'deploy', 'ann', null);
        await tick();
        const pin1 = await d.append('pin', {
          endpoint: 'pin', mode: 'ab',
          // m2@1 is another model whose name starts with "m"; m@latest and paths are not matched.
          variants: [variant('a', 'm@1', 80), variant('b', 'm2@1', 10), variant('c', 'm@latest', 5), variant('d', 'models/m@1.lading', 5)],
        }, 'deploy', 'ann', null);
        await tick();
        const moved = await ws.setAlias({ name: 'm', alias: 'champion', version: 2, actor: 'cy' });
        assert.ok(moved.auditId !== null);
        const movedAt = (await ws.auditLog({ model: 'm', alias: 'champion' })).at(-1)!.at;
        await tick();
        const hs2 = await d.append('hs', { endpoint: 'hs', mode: 'shadow', variants: [variant('main', 'm'), variant('old', 'm@1', 0, 'shadow')] }, 'deploy', 'ann', null);
        await tick();
        const pin2 = await d.append('pin', null, 'remove', 'ann', null);

        const v1 = (await ws.lineage('m', 1)).deployments;
        assert.deepEqual(v1.map((p) => [p.endpoint, p.revision, p.variant, p.ref, p.from, p.until]), [
          ['hs', 1, 'main', 'm@champion', hs1.at, movedAt],
          ['pin', 1, 'a', 'm@1', pin1.at, pin2.at],
          ['hs', 2, 'old', 'm@1', hs2.at, null],
        ]);
        assert.deepEqual([v1[2]!.role, v1[2]!.weight], ['shadow', 0]);
        const v2 = (await ws.lineage('m', 2)).deployments;
        assert.deepEqual(v2.map((p) => [p.endpoint, p.revision, p.variant, p.ref, p.from, p.until]), [
          ['hs', 1, 'main', 'm@champion', movedAt, hs2.at],
          ['hs', 2, 'main', 'm', hs2.at, null],
        ], 'a bare name means champion, followed from the moment the alias moved');
        const other = (await ws.lineage('m2', 1)).deployments;
        assert.deepEqual(other.map((p) => [p.endpoint, p.variant, p.from, p.until]), [['pin', 'b', pin1.at, pin2.at]]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }));
  });
}
