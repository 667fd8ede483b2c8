import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gridCells, gridWidth } from '../../src/platform/ui-timeline-grid.js';
import { timelineSource } from '../../src/platform/ui-timeline.js';
import { UiWorkThread, uiWorkData } from '../../src/platform/ui-work.js';
import { prediction, rows } from '../monitoring/store/fixtures.js';
import { assertFiguresOfReport, seed, T0, withStore } from './timeline-fixture.js';

describe('the monitoring timeline on a fixed time grid', () => {
  it('cuts the span into aligned cells whose bounds do not move as the log grows', () => {
    assert.equal(gridWidth(T0, T0 + 600_000, 8), 5 * 60_000, 'ten minutes in at most 8: 5-minute cells');
    const cells = gridCells(T0, T0 + 600_000, 5 * 60_000);
    assert.ok(cells.every((c) => c.since % 300_000 === 0 && c.until - c.since === 300_000));
    assert.ok(cells[0]!.since <= T0 && cells.at(-1)!.until >= T0 + 600_000);
    const grown = gridCells(T0, T0 + 800_000, 5 * 60_000);
    assert.deepEqual(grown.slice(0, cells.length - 1), cells.slice(0, -1), 'the cells before the newest stay as they were');
    assert.equal(gridWidth(T0, T0 + 7 * 86_400_000, 8), 86_400_000, 'a week in 8: days');
    assert.equal(gridWidth(T0, T0 + 400 * 86_400_000, 8), 2 * 28 * 86_400_000, 'beyond the ladder: multiples of its largest width');
  });

  it('gives each window the same figures as the monitor report over that window', async () => {
    await withStore(async (store) => {
      await seed(store);
      const windows = await timelineSource(store).timeline('hs', 4);
      assert.ok(windows.length >= 3);
      const drifted = await assertFiguresOfReport(store, windows);
      assert.ok(drifted > 0, 'the variant with a profile has drift tests');
      assert.ok(windows.some((w) => w.variants.some((v) => v.labelled > 0 && v.realAccuracy !== null && v.realAccuracy < 1)));
    });
  });

  it('reads a window\'s predictions once the log has moved past it; only the newest is read again, and new labels still count', async () => {
    await withStore(async (store) => {
      await seed(store);
      const read: number[] = [];
      const now = T0 + 3_600_000;
      const source = timelineSource(store, { now: () => now, settleMs: 60_000, onRead: (_e, cell) => read.push(cell.since) });
      const first = await source.timeline('hs', 4);
      assert.equal(read.length, first.length, 'the first timeline reads every window');
      read.length = 0;
      await store.appendPredictions(rows(60, () => ({}), 600));
      // A label given late, dated inside the first window: the report counts it, so the timeline must too.
      const p = prediction(1);
      await store.addFeedback([{ endpoint: 'hs', time: p.at + 1000, receivedAt: now, label: 'late', source: 'test', requestId: p.requestId, position: 0, text: p.text, textSha256: p.textSha256, newClass: false,
        prediction: { seq: 2, variant: p.variant, model: p.model, version: p.version, modelSha256: p.modelSha256, label: p.label, score: p.score, at: p.at } }]);
      const second = await source.timeline('hs', 4);
      assert.deepEqual(read, [second.at(-1)!.since], 'only the newest window is read again');
      assert.equal(second[0]!.variants[0]!.labelled, first[0]!.variants[0]!.labelled + 1);
      const total = (ws: typeof first) => ws.reduce((n, w) => n + w.variants.reduce((m, v) => m + v.predictions, 0), 0);
      assert.equal(total(second), 660);
    });
  });

  it('stores windows not yet settled as snapshots of the log as read, and reads them again once the log changed', async () => {
    await withStore(async (store) => {
      await seed(store);
      const read: number[] = [];
      // A clock before the windows' ends plus settleMs: none is closed.
      const fresh = timelineSource(store, { now: () => T0, settleMs: 60_000, onRead: (_e, cell) => read.push(cell.since) });
      const windows = await fresh.timeline('hs', 4);
      assert.equal(read.length, windows.length);
      const width = windows[0]!.until - windows[0]!.since;
      assert.ok((await store.listTimelineWindows({ endpoint: 'hs', widthMs: width })).every((w) => / open 600:/.test(w.basis)), 'each a snapshot of the 600 rows read');
      assert.deepEqual(await fresh.timeline('hs', 4), windows);
      assert.equal(read.length, windows.length, 'nothing logged since: none read again');
      await store.appendPredictions(rows(1, () => ({}), 600));
      const after = await fresh.timeline('hs', 4);
      assert.equal(read.length, windows.length + after.length, 'a row logged: every window not settled is read again');
      await assertFiguresOfReport(store, after);
    });
  });

  it('in the dashboard\'s thread gives the same windows as in this one', async () => {
    await withStore(async (store, path, dir) => {
      await seed(store);
      const thread = new UiWorkThread({ store: { kind: 'sqlite', path }, registry: { home: dir, registryUrl: undefined, registrySchema: 'public' }, background: true });
      try {
        assert.deepEqual(await thread.timeline('hs', 4), await timelineSource(store).timeline('hs', 4));
        assert.deepEqual(await thread.timeline('nowhere', 4), []);
      } finally {
        await thread.close();
      }
      await assert.rejects(thread.timeline('hs', 4), /the dashboard thread is closed/);
    });
  });

  it('a thread whose store cannot be opened says why, and is started again on the next request', async () => {
    const thread = new UiWorkThread(uiWorkData({ home: '/nowhere', registryUrl: 'postgres://nobody@127.0.0.1:1/none', registrySchema: 'public' }, false));
    try {
      await assert.rejects(thread.timeline('hs', 4), /ECONNREFUSED|connect/);
      await assert.rejects(thread.production(['a'], 'a'.repeat(64)), /ECONNREFUSED|connect/);
    } finally {
      await thread.close();
    }
  });
});
