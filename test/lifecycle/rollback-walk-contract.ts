import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeploymentSpec } from '../../src/core/deployment-spec.js';
import { ConflictError } from '../../src/core/errors.js';
import { DeploymentControl } from '../../src/lifecycle/deployment-control.js';
import type { DeploymentRecord, DeploymentStore } from '../../src/registry/deployment-store.js';

/** A fresh, empty deployment store on a real back-end, and how to let it go. */
export interface StoreUnderTest {
  readonly store: DeploymentStore;
  close(): Promise<void>;
}

const canary = (share: number): DeploymentSpec => ({
  endpoint: 'hs', mode: 'canary',
  variants: [{ name: 'stable', model: 'm@1', weight: 100 - share, role: 'primary' }, { name: 'new', model: 'm@2', weight: share, role: 'primary' }],
});

/** Deterministic pseudo-random numbers (a test must fail the same way twice). */
function lcg(seed: number): () => number {
  let s = seed;
  return () => { s = (s * 1_103_515_245 + 12_345) % 2 ** 31; return s / 2 ** 31; };
}

/**
 * DeploymentControl.rollback over a real store: consecutive rollbacks walk back one revision each,
 * any other change ends the walk.
 */
export function rollbackWalkContract(label: string, open: () => Promise<StoreUnderTest>): void {
  const withControl = async (fn: (control: DeploymentControl, store: DeploymentStore) => Promise<void>) => {
    const t = await open();
    try { await fn(new DeploymentControl(t.store), t.store); } finally { await t.close(); }
  };
  const restored = (r: DeploymentRecord) => Number(/restore revision (\d+)/.exec(r.reason ?? '')?.[1]);

  describe(`deployment rollback walk: ${label}`, () => {
    it('canary 90/10, canary 50/50, promote: rollback restores 2, the next one 1, and then there is nothing older', () => withControl(async (control, store) => {
      const r1 = await control.deploy(canary(10), 'ann', 'start');
      const r2 = await control.canary('hs', 'new', 50, 'ann');
      const r3 = await control.promote('hs', 'new', 'ann');
      const back1 = await control.rollback('hs', 'bob');
      assert.deepEqual([back1.revision, restored(back1), back1.spec], [4, 2, r2.spec]);
      const back2 = await control.rollback('hs', 'bob');
      assert.deepEqual([back2.revision, restored(back2), back2.spec], [5, 1, r1.spec], 'the second rollback in a row restores revision 1, not 2 again');
      await assert.rejects(control.rollback('hs', 'bob'), (e: unknown) => e instanceof ConflictError && e.code === 'nothing-to-roll-back');
      assert.equal((await store.history('hs')).length, 5, 'a refused rollback writes nothing');
      assert.notDeepEqual(r3.spec, r2.spec);
    }));

    it('over several cycles: a change ends the walk, and the next walk starts from it', () => withControl(async (control, store) => {
      // [what to do, revision a rollback is expected to restore]
      const script: Array<['deploy' | 'canary' | 'promote' | 'rollback', number?, number?]> = [
        ['deploy', 10], ['canary', 50], ['promote'],          // 1, 2, 3
        ['rollback', undefined, 2], ['rollback', undefined, 1], // 4, 5
        ['canary', 30],                                          // 6: the walk ends
        ['rollback', undefined, 5], ['rollback', undefined, 4], ['rollback', undefined, 3], // 7, 8, 9
        ['promote'],                                             // 10
        ['rollback', undefined, 9],                              // 11
        ['deploy', 20],                                          // 12
        ['rollback', undefined, 11], ['rollback', undefined, 10], ['rollback', undefined, 9], ['rollback', undefined, 8], // 13..16
      ];
      for (const [action, arg, expected] of script) {
        if (action === 'deploy') await control.deploy(canary(arg!), 'ann');
        else if (action === 'canary') await control.canary('hs', 'new', arg!, 'ann');
        else if (action === 'promote') await control.promote('hs', 'new', 'ann');
        else {
          const r = await control.rollback('hs', 'bob');
          const history = await store.history('hs');
          assert.equal(restored(r), expected, `revision ${r.revision} restores ${expected}`);
          assert.deepEqual(r.spec, history[expected! - 1]!.spec);
        }
      }
      assert.equal((await store.current('hs'))!.revision, script.length);
    }));

    it('matches a reference walk over a random sequence of 80 changes', () => withControl(async (control, store) => {
      const random = lcg(7);
      // The reference: a pointer at the revision a walk stands on. A change puts it on the new
      // revision; a rollback steps it back one and restores what that revision held.
      let pointer = 0;
      const specs: Array<DeploymentSpec | null> = [];
      for (let i = 0; i < 80; i++) {
        const roll = random();
        if (i > 0 && roll < 0.45) {
          if (pointer - 1 < 1) {
            await assert.rejects(control.rollback('hs', 'bob'), ConflictError);
            continue;
          }
          pointer -= 1;
          const r = await control.rollback('hs', 'bob');
          assert.deepEqual(r.spec, specs[pointer - 1], `step ${i}: rollback restores revision ${pointer}`);
          specs.push(r.spec);
        } else {
          const current = await store.current('hs');
          const r = current?.spec?.mode === 'canary' && roll < 0.7
            ? await control.canary('hs', 'new', Math.round(random() * 100), 'ann')
            : current?.spec?.mode === 'canary' && roll < 0.8
              ? await control.promote('hs', 'new', 'ann')
              : await control.deploy(canary(1 + Math.round(random() * 98)), 'ann');
          specs.push(r.spec);
          pointer = r.revision;
        }
        assert.equal(specs.length, (await store.current('hs'))!.revision);
      }
    }));

    it('a rollback computed from a revision that is no longer the latest is refused and writes nothing', () => withControl(async (control, store) => {
      await control.deploy(canary(10), 'ann');
      await control.canary('hs', 'new', 50, 'ann');
      await assert.rejects(control.rollback('hs', 'bob', null, { fromRevision: 1 }), (e: unknown) => e instanceof ConflictError && e.code === 'deployment-changed');
      assert.equal((await store.current('hs'))!.revision, 2);
    }));
  });
}
