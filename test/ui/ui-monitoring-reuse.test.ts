import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openMonitoringStore } from '../../src/platform/index.js';
import { uiMonitoring } from '../../src/platform/ui-monitoring.js';
import { timelineSource } from '../../src/platform/ui-timeline.js';
import { rows } from '../monitoring/store/fixtures.js';

const total = (ws: ReadonlyArray<{ variants: ReadonlyArray<{ predictions: number }> }>) => ws.reduce((n, w) => n + w.variants.reduce((m, v) => m + v.predictions, 0), 0);

test('a stale timeline is answered at once while the next one is computed behind it; counts on the same grid share it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-ui-monitoring-'));
  const store = await openMonitoringStore({ kind: 'sqlite', path: join(dir, 'monitoring.sqlite') });
  try {
    await store.appendPredictions(rows(20));
    const source = timelineSource(store, { settleMs: 0 });
    let computed = 0;
    // The refresh (the second computation) is held until the test lets it go.
    let release = () => {};
    const held = new Promise<void>((r) => { release = r; });
    const ui = uiMonitoring({
      endpoints: () => source.endpoints(),
      timeline: async (e, w) => { if (++computed === 2) await held; return source.timeline(e, w); },
    }, { reuseMs: 0 });
    const [first, shared] = await Promise.all([ui.timeline('hs', 2), ui.timeline('hs', 2)]);
    assert.equal(computed, 1, 'while it is computed, callers share the computation');
    assert.equal(shared, first);
    assert.equal(total(first), 20);

    await store.appendPredictions(rows(10, () => ({}), 20));
    const stale = await ui.timeline('hs', 2);
    assert.equal(stale, first, 'stale but computed: answered at once');
    assert.equal(computed, 2, 'and a newer one is computed behind it');
    assert.equal(await ui.timeline('hs', 2), first, 'one refresh at a time');
    assert.equal(computed, 2);
    release();
    let fresh = first;
    for (let i = 0; i < 50 && fresh === first; i++) { await new Promise((r) => setTimeout(r, 10)); fresh = await ui.timeline('hs', 2); }
    assert.notEqual(fresh, first, 'the refreshed answer replaces it');
    assert.equal(total(fresh), 30);
    // 30 s of log in 2 or in 3 windows: 15-second cells either way, so the same answer (not computed again).
    assert.equal(await ui.timeline('hs', 3), fresh);
    assert.equal(await ui.timeline('nowhere', 2).then((w) => w.length), 0);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an answer with pending windows is not reused: the next caller asks the source again', async () => {
  const window = { since: 0, until: 1000, variants: [] };
  let asked = 0;
  const ui = uiMonitoring({
    endpoints: async () => [{ endpoint: 'hs', rows: 1, first: 0, last: 999 }],
    timeline: async () => (++asked < 3 ? [{ ...window, pending: true as const }] : [window]),
  });
  assert.equal((await ui.timeline('hs', 1))[0]!.pending, true);
  assert.equal((await ui.timeline('hs', 1))[0]!.pending, true);
  const filled = await ui.timeline('hs', 1);
  assert.equal(filled[0]!.pending, undefined);
  assert.equal(asked, 3);
  assert.equal(await ui.timeline('hs', 1), filled, 'a complete answer is reused');
  assert.equal(asked, 3);
});

test('with answerWithinMs a slow source does not hold the caller: every window pending, or the last answer, and its answer kept for the next', async () => {
  const span = { endpoint: 'hs', rows: 2, first: 0, last: 2_999 };
  const complete = [{ since: 0, until: 1000, variants: [] }, { since: 1000, until: 2000, variants: [] }, { since: 2000, until: 3000, variants: [] }];
  let slow: Promise<typeof complete> | undefined;
  const ui = uiMonitoring({
    endpoints: async () => [span],
    timeline: () => (slow = new Promise((resolve) => setTimeout(() => resolve(complete), 150))),
  }, { answerWithinMs: 20, reuseMs: 0 });
  const first = await ui.timeline('hs', 3);
  assert.deepEqual(first.map((w) => [w.since, w.until, w.pending]), [[0, 1000, true], [1000, 2000, true], [2000, 3000, true]], 'the grid, every window pending');
  await slow;
  assert.equal(await ui.timeline('hs', 3), complete, 'the slow answer, kept');
  // Stale now (reuseMs 0): answered at once with it while a newer one is computed behind.
  assert.equal(await ui.timeline('hs', 3), complete);
  await slow;

  // A first computation that fails after its caller was answered: the next caller is told.
  let failed: Promise<never> | undefined;
  const failing = uiMonitoring({ endpoints: async () => [span], timeline: () => (failed = new Promise((_r, reject) => setTimeout(() => reject(new Error('the thread failed')), 150))) },
    { answerWithinMs: 20 });
  assert.ok((await failing.timeline('hs', 3)).every((w) => w.pending));
  await failed?.catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 10)); // its rejection reaches the handlers behind it
  await assert.rejects(failing.timeline('hs', 3), /the thread failed/);
});

test('past answerWithinMs, a key never answered yet gets the timeline from the store (stored), and a failing store read leaves every window pending', async () => {
  const span = { endpoint: 'hs', rows: 2, first: 0, last: 1_999 };
  const complete = [{ since: 0, until: 1000, variants: [] }, { since: 1000, until: 2000, variants: [] }];
  const fromStore = [{ since: 0, until: 1000, variants: [] }, { since: 1000, until: 2000, variants: [], pending: true as const }];
  let slow: Promise<typeof complete> | undefined;
  const asked: number[] = [];
  const ui = uiMonitoring({ endpoints: async () => [span], timeline: () => (slow = new Promise((resolve) => setTimeout(() => resolve(complete), 150))) },
    { answerWithinMs: 20, reuseMs: 0, stored: async (_e, windows) => { asked.push(windows); return fromStore; } });
  assert.equal(await ui.timeline('hs', 2), fromStore, 'the store\'s windows, read because the source had not answered');
  assert.deepEqual(asked, [2]);
  await slow;
  assert.equal(await ui.timeline('hs', 2), complete, 'then the source\'s answer');
  assert.deepEqual(asked, [2], 'the store is read only before the source answered a key');

  const broken = uiMonitoring({ endpoints: async () => [span], timeline: () => new Promise((resolve) => setTimeout(() => resolve(complete), 150)) },
    { answerWithinMs: 20, stored: async () => { throw new Error('the store is gone'); } });
  assert.ok((await broken.timeline('hs', 2)).every((w) => w.pending));
  await new Promise((resolve) => setTimeout(resolve, 160));
});
