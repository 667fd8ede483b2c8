import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReleaseRecord } from '../../../src/lifecycle/release/release-record.js';
import { releaseWorld, TEST_PLAN, type ReleaseWorld } from '../release/release-fixture.js';
import { seeded, simulateTraffic } from '../release/release-traffic.js';
import { startControllerChild, startScriptChild, type LadingChild } from './controller-child.js';
import { expireControllerLease } from './controller-lease-clock.js';
import { assertPromotedOnce, BETTER_CHALLENGER, waitForRelease } from './release-story.js';

describe('lading controller crashed at each point of the change protocol', () => {
  it('dying after the intent, after the alias moved, after the revision landed: every next controller finishes the change once', async () => {
    const w = await releaseWorld();
    const children: LadingChild[] = [];
    const random = seeded(5);
    let batch = 0;
    /** Answers (all labelled) under the live deployment, as the servers would log them now. */
    const traffic = async (requests: number) => {
      const live = await w.parts.workspace.deployments.current('hs');
      await simulateTraffic(w.parts.monitoring, live!.spec!, BETTER_CHALLENGER, { at: Date.now(), requests, labelled: requests, random, idPrefix: `c${batch++}` });
    };
    /** A controller that kills itself at `stage` of its first change; returns the release as that left it. */
    const crashAt = async (id: number, stage: 'intent' | 'alias' | 'landed'): Promise<ReleaseRecord> => {
      const c = startScriptChild('crashing-controller.js', [w.home, stage], w.home);
      children.push(c);
      const exit = await Promise.race([c.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 20_000).unref())]);
      assert.equal(exit?.signal, 'SIGKILL', `the controller did not reach "${stage}": ${c.stderrLines.join('\n')}`);
      await expireControllerLease(w.home);
      return (await w.parts.releases.get(id))!;
    };
    /** The real `lading controller` until `done` holds, then SIGTERM. */
    const controllerUntil = async (id: number, done: (r: ReleaseRecord) => boolean, feed?: () => Promise<void>): Promise<ReleaseRecord> => {
      const c = startControllerChild(w.home);
      children.push(c);
      await c.waitForLine((l) => l.startsWith('{'), 20_000, 'stdout');
      await feed?.();
      const r = await waitForRelease(w, id, done, 20_000);
      assert.equal((await c.kill('SIGTERM')).code, 0, c.stderrLines.join('\n'));
      assert.ok(done(r), `the controller did not get there: ${JSON.stringify({ step: r.step, status: r.status, reason: r.reason, intent: r.intent })}`);
      return r;
    };
    const revision = async () => (await w.parts.workspace.deployments.current('hs'))!.revision;
    try {
      w.clock.now = Date.now();
      const started = await w.runner().start({ endpoint: 'hs', challenger: 'm@2', pipeline: null, plan: TEST_PLAN, reason: 'crash points test' });
      const { id, baseRevision: base } = started;

      // Step 1: dies with the intent written (nothing deployed), then with the revision landed (unrecorded).
      let r = await crashAt(id, 'intent');
      assert.deepEqual([r.step, r.intent?.tag, await revision()], [-1, `[release ${id} step 1]`, base]);
      r = await crashAt(id, 'landed');
      assert.deepEqual([r.step, r.intent?.tag, await revision()], [-1, `[release ${id} step 1]`, base + 1]);
      // The real controller recognises the landed revision, then runs the shadow to the first canary.
      r = await controllerUntil(id, (x) => x.step === 1 && x.intent === null, () => traffic(300));
      assert.equal(await revision(), base + 2);

      // Step 3: dies with its revision landed; the next controller records it.
      await traffic(3_000);
      r = await crashAt(id, 'landed');
      assert.deepEqual([r.step, r.intent?.tag, await revision()], [1, `[release ${id} step 3]`, base + 3]);
      r = await controllerUntil(id, (x) => x.step === 2 && x.intent === null);

      // Promotion: dies with the alias moved and the deployment not yet following it; then with the
      // promotion revision landed; the next controller records the promotion.
      await traffic(1_200);
      r = await crashAt(id, 'alias');
      const champion = async () => (await w.parts.workspace.listAliases('m')).find((a) => a.alias === 'champion')?.version;
      assert.deepEqual([r.status, r.intent?.tag, await revision(), await champion()], ['running', `[release ${id} promote]`, base + 3, 2]);
      r = await crashAt(id, 'landed');
      assert.deepEqual([r.status, r.intent?.tag, await revision()], ['running', `[release ${id} promote]`, base + 4]);
      await controllerUntil(id, (x) => x.status === 'promoted');

      await assertPromotedOnce(w, id, base);
    } finally {
      await Promise.all(children.map((c) => c.kill('SIGKILL')));
      await w.close();
    }
  });
});
