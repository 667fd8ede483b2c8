import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LifecycleEvent } from '../../../src/core/lifecycle-events.js';
import { isFinal } from '../../../src/lifecycle/release/release-record.js';
import { startControllerProcess } from '../../../src/platform/controller-process.js';
import { withBus } from '../../../src/platform/open-bus.js';
import { releaseWorld, TEST_PLAN } from '../release/release-fixture.js';
import { feedTraffic, waitForRelease } from './release-story.js';

/** Everything on `home`'s embedded bus, in order. */
async function heard(home: string): Promise<LifecycleEvent[]> {
  return withBus({ home, busUrl: undefined }, async (bus) => {
    const sub = await bus.subscribe('controller-events-test');
    try {
      return (await sub.next(1000, 300)).map((d) => d.event);
    } finally {
      await sub.close();
    }
  });
}

describe('lading controller on the bus', () => {
  it('a release it carries to promotion is told as events: each step, the decision, and the champion alias it moved (actor controller, from 1 to 2)', async () => {
    const w = await releaseWorld();
    try {
      w.clock.now = Date.now();
      const started = await w.runner().start({ endpoint: 'hs', challenger: 'm@2', pipeline: null, plan: TEST_PLAN, reason: 'events test' });
      const traffic = feedTraffic(w, started.id);
      traffic.on = true;
      const controller = await startControllerProcess({ home: w.home, registryUrl: undefined, registrySchema: 'lading', controllerIntervalMs: 50 });
      try {
        const done = await waitForRelease(w, started.id, (r) => isFinal(r.status), 40_000);
        assert.equal(done.status, 'promoted', `${done.status}: ${done.reason}`);
      } finally {
        await traffic.stop();
        await controller.close();
      }
      const events = (await heard(w.home)).filter((e) => e.id.startsWith(`release-${started.id}-`) || e.type === 'model.alias.moved');
      assert.deepEqual(events.map((e) => `${e.type}${'action' in e ? ` ${e.action}` : ''}`), [
        'deployment.changed shadow', 'deployment.changed canary', 'deployment.changed canary',
        'model.alias.moved', 'deployment.changed promote', 'experiment.decided',
      ]);
      const moved = events.find((e) => e.type === 'model.alias.moved')!;
      const { id: _id, time: _time, subject: _subject, reason, ...facts } = moved as Extract<LifecycleEvent, { type: 'model.alias.moved' }>;
      assert.deepEqual(facts, { type: 'model.alias.moved', model: 'm', alias: 'champion', version: 2, previousVersion: 1, actor: 'controller' });
      assert.match(reason ?? '', /release/, 'the reason says which release moved it');
    } finally {
      await w.close();
    }
  });
});
