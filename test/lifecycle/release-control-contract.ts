import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeploymentSpec } from '../../src/core/deployment-spec.js';
import { ConflictError, InputError } from '../../src/core/errors.js';
import { DeploymentControl } from '../../src/lifecycle/deployment-control.js';
import { ReleaseControl } from '../../src/lifecycle/release-control.js';
import type { DeploymentAction, DeploymentRecord, DeploymentStore } from '../../src/registry/deployment-store.js';
import type { Workspace } from '../../src/registry/workspace.js';
import { openFromSpec, type TestBackend } from '../registry/models/backends.js';
import { syntheticArtifact } from '../registry/models/fixtures.js';

const canary: DeploymentSpec = {
  endpoint: 'hs', mode: 'canary',
  variants: [{ name: 'stable', model: 'm@champion', weight: 90, role: 'primary' }, { name: 'new', model: 'm@2', weight: 10, role: 'primary' }],
};

/**
 * A real store with a second operator: just before the release's own append, `interfere` runs
 * (it writes a competing revision, rejects a version...), as another process could at that moment.
 */
class InterferedStore implements DeploymentStore {
  constructor(private readonly inner: DeploymentStore, private interfere: (() => Promise<void>) | undefined) {}
  async append(endpoint: string, spec: DeploymentSpec | null, action: DeploymentAction, actor: string, reason: string | null, expected?: number): Promise<DeploymentRecord> {
    const run = this.interfere;
    this.interfere = undefined;
    if (run) await run();
    return this.inner.append(endpoint, spec, action, actor, reason, expected);
  }
  current(endpoint: string) { return this.inner.current(endpoint); }
  currentAll() { return this.inner.currentAll(); }
  history(endpoint: string) { return this.inner.history(endpoint); }
  lastSeq() { return this.inner.lastSeq(); }
}

/** Releases (alias + deployment as one audited operation) on one back-end, fresh per test. */
export function releaseControlContract(label: string, makeBackend: () => TestBackend): void {
  const withRelease = async (fn: (ws: Workspace, release: (interfere?: () => Promise<void>) => ReleaseControl) => Promise<void>) => {
    const backend = makeBackend();
    const ws = await openFromSpec(backend.spec);
    try {
      for (const seed of [1, 2, 3]) {
        const v = await ws.registerModelVersion({ name: 'm', artifactBytes: syntheticArtifact(seed), actor: 'ana' });
        if (seed < 3) await ws.approveVersion({ name: 'm', version: v.version, actor: 'bo', reason: 'ok' });
      }
      await fn(ws, (interfere) => new ReleaseControl(ws, new DeploymentControl(new InterferedStore(ws.deployments, interfere))));
    } finally {
      ws.close();
      await backend.cleanup();
    }
  };
  const aliasVersion = async (ws: Workspace, alias = 'champion') => (await ws.listAliases('m')).find((a) => a.alias === alias)?.version ?? null;
  const state = async (ws: Workspace) => JSON.stringify({ aliases: await ws.listAliases('m'), audit: await ws.auditLog({ model: 'm' }), deployments: await ws.deployments.history('hs') });

  describe(`release control: ${label}`, () => {
    it('a release moves the alias and makes the endpoint follow it, one actor and one reason on both halves', () => withRelease(async (ws, control) => {
      await ws.setAlias({ name: 'm', alias: 'champion', version: 1, actor: 'bo' });
      await ws.deployments.append('hs', canary, 'deploy', 'ann', 'canary of v2');
      const r = await control().release({ endpoint: 'hs', variant: 'new', actor: 'controller', reason: 'v2 wins the canary' });
      assert.equal(r.model, 'm');
      assert.deepEqual([r.alias.previousVersion, r.alias.alias.version], [1, 2]);
      assert.equal(r.deployment.action, 'promote');
      assert.deepEqual(r.deployment.spec, { endpoint: 'hs', mode: 'single', variants: [{ name: 'new', model: 'm@champion', weight: 1, role: 'primary' }] });
      const audit = (await ws.auditLog({ model: 'm', alias: 'champion' })).at(-1)!;
      assert.deepEqual([audit.action, audit.actor, audit.reason, audit.after], ['alias-set', 'controller', 'v2 wins the canary', { version: 2 }]);
      assert.deepEqual([r.deployment.actor, r.deployment.reason], ['controller', 'v2 wins the canary']);
      assert.ok(audit.at <= r.deployment.at, 'the alias moves first');
      assert.equal((await ws.resolveModel('m')).version, 2);
    }));

    it('rolling a release back walks the alias and the endpoint back together; with nothing older, the next is refused', () => withRelease(async (ws, control) => {
      await ws.setAlias({ name: 'm', alias: 'champion', version: 1, actor: 'bo' });
      const r1 = await ws.deployments.append('hs', canary, 'deploy', 'ann', null);
      await control().release({ endpoint: 'hs', variant: 'new', actor: 'controller' });
      const back = await control().rollbackRelease({ endpoint: 'hs', actor: 'controller', reason: 'error rate up' });
      assert.deepEqual([back.model, back.alias.previousVersion, back.alias.alias.version], ['m', 2, 1]);
      assert.deepEqual([back.deployment.action, back.deployment.spec, back.deployment.reason], ['rollback', r1.spec, 'error rate up']);
      const audit = (await ws.auditLog({ model: 'm', alias: 'champion' })).at(-1)!;
      assert.deepEqual([audit.action, audit.actor, audit.reason], ['rollback', 'controller', 'error rate up']);
      // The canary spec follows champion through its `stable` variant: a second rollback has no older alias version.
      const before = await state(ws);
      await assert.rejects(control().rollbackRelease({ endpoint: 'hs', actor: 'controller' }), (e: unknown) => e instanceof ConflictError && e.code === 'nothing-to-roll-back');
      assert.equal(await state(ws), before, 'nothing changed');
    }));

    it('when the deployment half fails, the alias is moved back (audited) and the error says why', () => withRelease(async (ws, control) => {
      await ws.setAlias({ name: 'm', alias: 'champion', version: 1, actor: 'bo' });
      await ws.deployments.append('hs', canary, 'deploy', 'ann', null);
      const racing = control(async () => { await ws.deployments.append('hs', { ...canary, variants: [canary.variants[0]!, { ...canary.variants[1]!, weight: 50 }] }, 'canary', 'eve', 'meanwhile'); });
      await assert.rejects(racing.release({ endpoint: 'hs', variant: 'new', actor: 'controller', reason: 'v2 wins' }),
        (e: unknown) => e instanceof ConflictError && e.code === 'deployment-changed');
      assert.equal(await aliasVersion(ws), 1, 'the alias is back where it was');
      const moves = (await ws.auditLog({ model: 'm', alias: 'champion' })).map((a) => [a.action, a.actor, a.reason, a.after]);
      assert.deepEqual(moves, [
        ['alias-set', 'bo', null, { version: 1 }],
        ['alias-set', 'controller', 'v2 wins', { version: 2 }],
        ['rollback', 'controller', 'undo: v2 wins', { version: 1 }],
      ]);
      assert.deepEqual((await ws.deployments.history('hs')).map((d) => [d.revision, d.actor]), [[1, 'ann'], [2, 'eve']], 'no release revision');
      // The undo keeps the alias history a clean stack: an alias rollback now has nothing older than
      // version 1 (it must not "roll back" to the failed release's version 2).
      await assert.rejects(ws.rollbackAlias({ name: 'm', alias: 'champion', actor: 'bo' }), (e: unknown) => e instanceof ConflictError && e.code === 'nothing-to-roll-back');
    }));

    it('a failed release of a new alias removes the alias again', () => withRelease(async (ws, control) => {
      await ws.deployments.append('hs', canary, 'deploy', 'ann', null);
      const racing = control(async () => { await ws.deployments.append('hs', null, 'remove', 'eve', null); });
      await assert.rejects(racing.release({ endpoint: 'hs', variant: 'new', alias: 'prod', actor: 'controller' }), ConflictError);
      assert.equal(await aliasVersion(ws, 'prod'), null);
      assert.deepEqual((await ws.auditLog({ model: 'm', alias: 'prod' })).map((a) => a.action), ['alias-set', 'alias-delete']);
    }));

    it('when moving the alias back fails too, release-half-applied names both states', () => withRelease(async (ws, control) => {
      await ws.setAlias({ name: 'm', alias: 'champion', version: 1, actor: 'bo' });
      await ws.deployments.append('hs', canary, 'deploy', 'ann', null);
      // Meanwhile someone changes the deployment and rejects version 1 (no alias points at it any more).
      const racing = control(async () => {
        await ws.deployments.append('hs', canary, 'deploy', 'eve', null);
        await ws.rejectVersion({ name: 'm', version: 1, actor: 'eve', reason: 'bad' });
      });
      await assert.rejects(racing.release({ endpoint: 'hs', variant: 'new', actor: 'controller' }), (e: unknown) => {
        assert.ok(e instanceof ConflictError && e.code === 'release-half-applied', String(e));
        assert.match(e.message, /m@champion moved to version 2/);
        assert.match(e.message, /rejected/);
        assert.deepEqual([e.facts['model'], e.facts['alias'], e.facts['version']], ['m', 'champion', 2]);
        return true;
      });
      assert.equal(await aliasVersion(ws), 2);
    }));

    it('a release interrupted after its alias move is completed by running it again', () => withRelease(async (ws, control) => {
      await ws.setAlias({ name: 'm', alias: 'champion', version: 1, actor: 'bo' });
      await ws.deployments.append('hs', canary, 'deploy', 'ann', null);
      // What a crash between the two halves leaves behind: the alias moved, the deployment not.
      await ws.setAlias({ name: 'm', alias: 'champion', version: 2, actor: 'controller', reason: 'v2 wins' });
      const auditRows = (await ws.auditLog({ model: 'm' })).length;
      const r = await control().release({ endpoint: 'hs', variant: 'new', actor: 'controller', reason: 'v2 wins' });
      assert.deepEqual([r.alias.auditId, r.alias.alias.version, r.deployment.revision], [null, 2, 2]);
      assert.equal((await ws.auditLog({ model: 'm' })).length, auditRows, 'no second alias row');
    }));

    it('bad input or a stale decision changes nothing', () => withRelease(async (ws, control) => {
      await ws.setAlias({ name: 'm', alias: 'champion', version: 1, actor: 'bo' });
      await ws.deployments.append('hs', {
        endpoint: 'hs', mode: 'ab',
        variants: [{ name: 'a', model: 'm@champion', weight: 1, role: 'primary' }, { name: 'file', model: '/models/x.lading', weight: 1, role: 'primary' },
          { name: 'pending', model: 'm@3', weight: 1, role: 'primary' }],
      }, 'deploy', 'ann', null);
      const before = await state(ws);
      const refused = async (p: Promise<unknown>, cls: typeof InputError | typeof ConflictError, code: string) =>
        assert.rejects(p, (e: unknown) => e instanceof cls && (e as InputError).code === code);
      await refused(control().release({ endpoint: 'hs', variant: 'file', actor: 'c' }), InputError, 'variant-not-registered');
      await refused(control().release({ endpoint: 'hs', variant: 'pending', actor: 'c' }), ConflictError, 'alias-to-unapproved-version');
      await refused(control().release({ endpoint: 'hs', variant: 'a', actor: 'c', fromRevision: 0 }), ConflictError, 'deployment-changed');
      await assert.rejects(control().release({ endpoint: 'hs', variant: 'zz', actor: 'c' }), /no variant "zz"/);
      await assert.rejects(control().release({ endpoint: 'nope', variant: 'a', actor: 'c' }), /no live deployment/);
      await refused(control().rollbackRelease({ endpoint: 'hs', alias: 'other', actor: 'c' }), InputError, 'no-single-alias-model');
      assert.equal(await state(ws), before);
    }));
  });
}
