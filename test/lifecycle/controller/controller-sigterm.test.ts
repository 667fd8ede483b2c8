import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { releaseWorld } from '../release/release-fixture.js';
import { seeded, simulateTraffic } from '../release/release-traffic.js';
import { startControllerChild, startLadingChild, tickLine, type LadingChild } from './controller-child.js';

/** Two models that agree on most texts, so the default plan's shadow (80% agreement) passes. */
const MODELS = { 'm@1': { accuracy: 0.95, latencyMs: 2 }, 'm@2': { accuracy: 0.97, latencyMs: 2 } };
const notice = (type: string, predicate: (n: { revision?: number }) => boolean = () => true) => (l: string) => {
  if (!l.startsWith('{')) return false;
  const o = JSON.parse(l) as { kind: string; type?: string; revision?: number };
  return o.kind === 'notice' && o.type === type && predicate(o);
};

describe('lading controller and SIGTERM', () => {
  it('mid-release it exits 0 within 2 s, and a controller started later resumes the release where it stood', async (t) => {
    const w = await releaseWorld();
    const children: LadingChild[] = [];
    const spawn = (c: LadingChild) => { children.push(c); return c; };
    try {
      const start = spawn(startLadingChild(['experiment', 'start', 'hs', '--challenger', 'm@2', '--home', w.home, '--reason', 'sigterm test'], w.home));
      assert.equal((await start.exited).code, 0, start.stderrLines.join('\n'));
      const [release] = await w.parts.releases.list('hs');
      assert.equal(release?.status, 'running');

      const first = spawn(startControllerChild(w.home));
      await first.waitForLine(notice('step-started'), 15_000, 'stdout');
      // Let it tick a while on the shadow (waiting for texts), then ask it to stop mid-release.
      await first.waitForLine((l) => (tickLine(l)?.releases[0]?.reason ?? '').startsWith('shadow: 0 of'), 5_000, 'stdout');
      const termAt = Date.now();
      const exit = await first.kill('SIGTERM');
      const exitMs = Date.now() - termAt;
      t.diagnostic(`exited ${exitMs} ms after SIGTERM`);
      assert.equal(exit.code, 0, first.stderrLines.join('\n'));
      assert.ok(exitMs < 2_000, `${exitMs} ms`);
      const held = (await w.parts.releases.get(release.id))!;
      assert.deepEqual([held.status, held.step, held.intent], ['running', 0, null]);

      // While no controller runs, the shadow's texts arrive; the next controller moves on at once.
      const live = await w.parts.workspace.deployments.current('hs');
      await simulateTraffic(w.parts.monitoring, live!.spec!, MODELS, { at: Date.now(), requests: 1_100, labelled: 0, random: seeded(3), idPrefix: 'shadow' });
      const second = spawn(startControllerChild(w.home));
      await second.waitForLine(notice('step-started', (n) => n.revision === held.revision + 1), 15_000, 'stdout');
      assert.equal((await second.kill('SIGTERM')).code, 0, second.stderrLines.join('\n'));
      const tags = (await w.parts.workspace.deployments.history('hs')).filter((h) => h.actor === 'controller').map((h) => `${h.action} ${/\[release \d+ ([^\]]+)\]/.exec(h.reason ?? '')?.[1]}`);
      assert.deepEqual(tags, ['deploy step 1', 'canary step 2']);
      const after = (await w.parts.releases.get(release.id))!;
      assert.deepEqual([after.status, after.step, after.intent], ['running', 1, null]);
    } finally {
      await Promise.all(children.map((c) => c.kill('SIGKILL')));
      await w.close();
    }
  });
});
