import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { isFinal } from '../../../src/lifecycle/release/release-record.js';
import { releaseWorld, TEST_PLAN, type ReleaseWorld } from '../release/release-fixture.js';
import { seeded } from '../release/release-traffic.js';
import { startControllerChild, tickLine, type LadingChild } from './controller-child.js';
import { assertPromotedOnce, feedTraffic, waitForRelease } from './release-story.js';
import { expireControllerLease } from './controller-lease-clock.js';

const KILLS = 20;

/** A moment inside the change protocol at which a kill is made the instant the test sees it. */
type ChangeStage = 'intent written' | 'revision landed';

/**
 * Waits `ms`, or less if the controller is seen inside a change at `stage`: its intent written
 * (the change not made yet), or the deployment revision landed with its outcome not yet recorded.
 * Random timing alone rarely falls inside those few milliseconds (and polling catches them only
 * sometimes: controller-crash-points.test.ts crashes a controller at each of them for certain).
 */
async function killPoint(w: ReleaseWorld, releaseId: number, ms: number, stage: ChangeStage): Promise<ChangeStage | 'timer'> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const r = (await w.parts.releases.get(releaseId))!;
    if (isFinal(r.status)) {
      await sleep(Math.max(1, deadline - Date.now()));
      break;
    }
    if (r.intent !== null && (stage === 'intent written' || (await w.parts.workspace.deployments.current('hs'))!.revision !== r.revision)) return stage;
    await sleep(2);
  }
  return 'timer';
}

describe('lading controller killed at random points: the release carries on and nothing happens twice', () => {
  it(`${KILLS} SIGKILLs and restarts during shadow -> canary -> canary -> promotion: one promotion, one alias move, one tagged revision per step, a true story`, async (t) => {
    const w = await releaseWorld();
    const children: LadingChild[] = [];
    try {
      w.clock.now = Date.now();
      const started = await w.runner().start({ endpoint: 'hs', challenger: 'm@2', pipeline: null, plan: TEST_PLAN, reason: 'kill-and-resume test' });
      const baseRevision = started.baseRevision;
      const traffic = feedTraffic(w, started.id);
      const random = seeded(2026);
      const afterKill: string[] = [];
      let intentsLeft = 0;
      let landedUnrecorded = 0;
      try {
        for (let k = 0; k < KILLS; k++) {
          const c = startControllerChild(w.home);
          children.push(c);
          // Each kill comes 50-600 ms after the controller's first tick (it is up and acting), sooner if a change is seen under way: at its intent or at its landing, in turn.
          await c.waitForLine((l) => tickLine(l) !== null, 20_000, 'stdout');
          traffic.on = true;
          const delay = Math.round(50 + random() * 550);
          const why = await killPoint(w, started.id, delay, k % 2 === 0 ? 'intent written' : 'revision landed');
          const exit = await c.kill('SIGKILL');
          traffic.on = false;
          assert.equal(exit.signal, 'SIGKILL', `controller ${k} exited by itself: ${c.stderrLines.join('\n')}`);
          const r = (await w.parts.releases.get(started.id))!;
          const landed = (await w.parts.workspace.deployments.current('hs'))!.revision !== r.revision;
          if (r.intent !== null) intentsLeft++;
          if (landed) landedUnrecorded++;
          afterKill.push(`${why === 'timer' ? `${delay}ms` : why}:${r.status}/${r.step}${r.intent ? `/intent ${r.intent.tag}` : ''}${landed ? ' landed' : ''}`);
          await expireControllerLease(w.home);
        }
        const last = startControllerChild(w.home);
        children.push(last);
        await last.waitForLine((l) => tickLine(l) !== null, 20_000, 'stdout');
        traffic.on = true;
        const done = await waitForRelease(w, started.id, (r) => isFinal(r.status), 40_000);
        assert.equal(done.status, 'promoted', `${done.status}: ${done.reason}`);
        const exit = await last.kill('SIGTERM');
        assert.equal(exit.code, 0, last.stderrLines.join('\n'));
      } finally {
        const batches = await traffic.stop();
        t.diagnostic(`traffic batches: ${batches}; kills that left an intent pending: ${intentsLeft}, of which the change had landed unrecorded: ${landedUnrecorded}; after each kill: ${afterKill.join(', ')}`);
      }

      await assertPromotedOnce(w, started.id, baseRevision);

      // No controller ever reported a failed tick (a conflict would mean two writers, or a change made twice).
      const errors = children.flatMap((c) => c.stdoutLines.map(tickLine).flatMap((tick) => tick?.errors ?? []));
      assert.deepEqual(errors, []);
    } finally {
      await Promise.all(children.map((c) => c.kill('SIGKILL')));
      await w.close();
    }
  });
});
