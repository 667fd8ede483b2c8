import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { releaseWorld, TEST_PLAN, type ReleaseWorld } from '../release/release-fixture.js';
import { startControllerChild, tickLine, type LadingChild } from './controller-child.js';

const ACTING = (l: string) => l === 'controller: acting (holds the lease)';
const STANDING_BY = (l: string) => l === 'controller: standing by (another controller holds the lease)';
const leaderTick = (leader: boolean) => (l: string) => tickLine(l)?.leader === leader;
const leaderTimes = (c: LadingChild) => c.stdoutLines.map(tickLine).filter((t) => t?.leader === true).map((t) => Date.parse(t!.at));

/** A world with a release waiting for its first step, children always killed, the world closed. */
async function withControllers(fn: (w: ReleaseWorld, spawn: (intervalMs: number, json: boolean) => LadingChild) => Promise<void>): Promise<void> {
  const w = await releaseWorld();
  const children: LadingChild[] = [];
  try {
    w.clock.now = Date.now();
    await w.runner().start({ endpoint: 'hs', challenger: 'm@2', pipeline: null, plan: TEST_PLAN, reason: 'standby test' });
    await fn(w, (intervalMs, json) => {
      const c = startControllerChild(w.home, intervalMs, json);
      children.push(c);
      return c;
    });
  } finally {
    await Promise.all(children.map((c) => c.kill('SIGKILL')));
    await w.close();
  }
}

/** The deployment revisions the controller made. */
const controllerRevisions = async (w: ReleaseWorld) => (await w.parts.workspace.deployments.history('hs')).filter((h) => h.actor === 'controller').map((h) => h.reason);

describe('lading controller: one acts, a standby takes over', () => {
  it('a second controller stands by while the first acts, and takes over within 10 s of the first being SIGKILLed', (t) => withControllers(async (w, spawn) => {
    const a = spawn(50, true);
    await a.waitForLine(leaderTick(true), 15_000, 'stdout');
    const b = spawn(100, false);
    await b.waitForLine(STANDING_BY, 15_000, 'stderr');
    await sleep(500);
    assert.ok(!b.stderrLines.some(ACTING), b.stderrLines.join('\n'));
    assert.ok(!a.stdoutLines.some(leaderTick(false)), 'the first controller lost the lease while alive');
    // Only the leader acted: the release's first step was deployed once.
    assert.equal((await controllerRevisions(w)).length, 1);

    const killedAt = Date.now();
    await a.kill('SIGKILL');
    await b.waitForLine(ACTING, 10_000, 'stderr');
    const tookMs = Date.now() - killedAt;
    t.diagnostic(`standby acted ${tookMs} ms after the leader was SIGKILLed (lease 5 s)`);
    assert.ok(tookMs < 10_000, `${tookMs} ms`);
    assert.equal((await controllerRevisions(w)).length, 1, 'the standby redid a change');
    assert.equal((await b.kill('SIGTERM')).code, 0);
  }));

  it('SIGTERM: the leader exits 0 promptly and gives the lease up, so the standby acts at once, never both at the same time', (t) => withControllers(async (_w, spawn) => {
    const a = spawn(50, true);
    await a.waitForLine(leaderTick(true), 15_000, 'stdout');
    const b = spawn(100, true);
    await b.waitForLine(leaderTick(false), 15_000, 'stdout');
    const termAt = Date.now();
    const exit = await a.kill('SIGTERM');
    const exitMs = Date.now() - termAt;
    assert.equal(exit.code, 0, a.stderrLines.join('\n'));
    assert.ok(exitMs < 2_000, `the leader took ${exitMs} ms to exit`);
    await b.waitForLine(leaderTick(true), 5_000, 'stdout');
    const takeoverMs = Date.now() - termAt;
    t.diagnostic(`leader exited ${exitMs} ms after SIGTERM; the standby acted ${takeoverMs} ms after it`);
    assert.ok(takeoverMs < 2_000, `${takeoverMs} ms`);
    const aLast = Math.max(...leaderTimes(a));
    const bFirst = Math.min(...leaderTimes(b));
    assert.ok(aLast < bFirst, `both acted at once: the leader's last tick ${aLast}, the standby's first ${bFirst}`);
    assert.equal((await b.kill('SIGTERM')).code, 0);
  }));
});
