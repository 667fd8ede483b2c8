import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { encodeProfile } from '../../src/monitoring/profile/profile-codec.js';
import { buildMonitorReport } from '../../src/monitoring/report/monitor-report.js';
import { decodeProfile } from '../../src/monitoring/profile/profile-codec.js';
import type { MonitoringStore } from '../../src/monitoring/store/monitoring-store.js';
import { openMonitoringStore } from '../../src/platform/index.js';
import { gridCells, gridWidth } from '../../src/platform/ui-timeline-grid.js';
import { timelineSource } from '../../src/platform/ui-timeline.js';
import { UiWorkThread, uiWorkData } from '../../src/platform/ui-work.js';
import { syntheticProfile } from '../monitoring/drift/synthetic-traffic.js';
import { prediction, rows } from '../monitoring/store/fixtures.js';

const T0 = 1_700_000_000_000; // the fixture rows' first time; row i is at T0 + i s

async function withStore(work: (store: MonitoringStore, path: string, dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lading-ui-timeline-'));
  const path = join(dir, 'monitoring.sqlite');
  const store = await openMonitoringStore({ kind: 'sqlite', path });
  try {
    await work(store, path, dir);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 600 rows over 10 minutes, two variants, a reference profile for one, labels for every 4th row (a third of them wrong). */
async function seed(store: MonitoringStore): Promise<void> {
  await store.saveProfile('a'.repeat(64), encodeProfile(syntheticProfile(7)), { model: 'hs-model', version: '3' });
  await store.appendPredictions(rows(600, (i) => (i % 5 === 4 ? { variant: 'b', version: '4', modelSha256: 'b'.repeat(64) } : {})));
  await store.addFeedback(Array.from({ length: 150 }, (_, k) => {
    const i = k * 4;
    const p = prediction(i, i % 5 === 4 ? { variant: 'b', version: '4', modelSha256: 'b'.repeat(64) } : {});
    return {
      endpoint: 'hs', time: p.at + 30_000, receivedAt: p.at + 30_000, label: k % 3 ? p.label : 'other', source: 'test', requestId: p.requestId, position: 0,
      text: p.text, textSha256: p.textSha256, newClass: false,
      prediction: { seq: i + 1, variant: p.variant, model: p.model, version: p.version, modelSha256: p.modelSha256, label: p.label, score: p.score, at: p.at },
    };
  }));
}

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
      const profile = async (sha: string) => { const json = await store.getProfile(sha); return json === undefined ? undefined : decodeProfile(json); };
      let drifted = 0;
      for (const w of windows) {
        const report = await buildMonitorReport(store, 'hs', { since: w.since, until: w.until }, profile);
        assert.deepEqual(w.variants.map((v) => v.variant), report.variants.map((v) => v.variant));
        for (const v of w.variants) {
          const r = report.variants.find((x) => x.variant === v.variant)!;
          const real = report.realAccuracy.byModel.find((m) => m.variant === v.variant && m.version === v.version);
          assert.equal(v.predictions, r.predictions);
          assert.equal(v.estimatedAccuracy, r.estimatedAccuracy?.estimated ?? null);
          assert.deepEqual(v.drift, (r.drift?.tests ?? []).map((t) => ({ name: t.name, value: t.value, threshold: t.threshold, drift: t.drift })));
          assert.deepEqual(v.separatingTokens, (r.drift?.separatingTokens.current ?? []).slice(0, 10).map((t) => t.token));
          assert.deepEqual([v.realAccuracy, v.labelled], [real?.accuracy ?? null, real?.labelled ?? 0]);
          drifted += v.drift.length;
        }
      }
      assert.ok(drifted > 0, 'the variant with a profile has drift tests');
      assert.ok(windows.some((w) => w.variants.some((v) => v.labelled > 0 && v.realAccuracy !== null && v.realAccuracy < 1)));
    });
  });

  it('reads a window\'s predictions once the log has moved past it; only the newest is read again, and new labels still count', async () => {
    await withStore(async (store) => {
      await seed(store);
      const read: number[] = [];
      let now = T0 + 3_600_000;
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
      read.length = 0;
      now = T0; // a clock before the windows' ends plus settleMs: nothing may be kept
      const fresh = timelineSource(store, { now: () => now, settleMs: 60_000, onRead: (_e, cell) => read.push(cell.since) });
      await fresh.timeline('hs', 4);
      await fresh.timeline('hs', 4);
      assert.equal(read.length, 2 * second.length, 'windows not yet settled are read each time');
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
