import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeProfile } from '../../src/monitoring/profile/profile-codec.js';
import type { MonitoringStore } from '../../src/monitoring/store/monitoring-store.js';
import { timelineSource } from '../../src/platform/ui-timeline.js';
import { decodeVariants, encodeVariants } from '../../src/platform/ui-timeline-stored.js';
import { UiWorkThread } from '../../src/platform/ui-work.js';
import type { TimelineWindow } from '../../src/server/routes/ui-backend.js';
import { syntheticProfile } from '../monitoring/drift/synthetic-traffic.js';
import { rows } from '../monitoring/store/fixtures.js';
import { assertFiguresOfReport, seed, T0, withStore, withStoreOn } from './timeline-fixture.js';

const widthOf = (ws: readonly TimelineWindow[]) => ws[0]!.until - ws[0]!.since;

/** A timeline source as a restarted thread has it (nothing in memory), counting the windows whose predictions it reads. */
function restarted(store: MonitoringStore) {
  const read: number[] = [];
  return { read, source: timelineSource(store, { onRead: (_e, cell) => read.push(cell.since) }) };
}

const pgUrl = process.env['LADING_TEST_PG_URL'] || undefined;

describe('the monitoring timeline\'s closed windows, kept in the monitoring store', () => {
  for (const backEnd of ['SQLite', 'PostgreSQL'] as const) {
    const skip = backEnd === 'PostgreSQL' && pgUrl === undefined ? 'LADING_TEST_PG_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)' : false;
    it(`survive a restart of the dashboard's thread (${backEnd}): closed windows come from the store, their predictions unread, figures equal the report's`, { skip }, async () => {
      await withStoreOn(backEnd === 'PostgreSQL' ? pgUrl : undefined, async (store, spec, dir) => {
        await seed(store);
        const registry = { home: dir, registryUrl: undefined, registrySchema: 'public' };
        const first = new UiWorkThread({ store: spec, registry, background: true });
        let computed: readonly TimelineWindow[];
        try {
          computed = await first.timeline('hs', 4);
        } finally {
          await first.close();
        }
        const stored = await store.listTimelineWindows({ endpoint: 'hs', widthMs: widthOf(computed) });
        assert.deepEqual(stored.map((w) => w.since), computed.map((w) => w.since), 'every window is stored');
        assert.deepEqual(stored.map((w) => / open /.test(w.basis)), computed.map((_w, i) => i === computed.length - 1), 'the newest (still open) as a snapshot of the log as read');
        // Still the array of variants a build before the stored real accuracy reads: each variant carries its own (and the labels' mark).
        for (const w of stored) {
          const rows = JSON.parse(w.figures) as Array<{ modelSha256?: string; real?: { labelled: number; labels: { count: number } } }>;
          assert.ok(Array.isArray(rows) && rows.every((v) => typeof v.modelSha256 === 'string' && v.real?.labels.count === 150));
        }

        // In a process of its own nothing is kept in memory: no window's predictions are read (the open one is a snapshot of the log as it is).
        const again = restarted(store);
        assert.deepEqual(await again.source.timeline('hs', 4), computed);
        assert.deepEqual(again.read, []);
        // The log moved: the open window is read again.
        await store.appendPredictions(rows(1, () => ({}), 600));
        const moved = restarted(store);
        const grown = await moved.source.timeline('hs', 4);
        assert.deepEqual(moved.read, [grown.at(-1)!.since]);
        assert.deepEqual(grown.slice(0, -1), computed.slice(0, -1));
        computed = grown;
        await assertFiguresOfReport(store, computed);

        // Proof the restarted thread answers from the store: a stored window's count, changed by hand, is what it shows.
        const [oldest] = await store.listTimelineWindows({ endpoint: 'hs', widthMs: widthOf(computed) });
        const marked = decodeVariants(oldest!.figures).map((v) => ({ ...v, predictions: 999_999 }));
        await store.saveTimelineWindows([{ ...oldest!, figures: encodeVariants(marked) }]);
        const second = new UiWorkThread({ store: spec, registry, background: true });
        try {
          const shown = await second.timeline('hs', 4);
          assert.ok(shown[0]!.variants.every((v) => v.predictions === 999_999), 'the oldest window came from the store');
          assert.deepEqual(shown.slice(1), computed.slice(1));
        } finally {
          await second.close();
        }
      });
    });
  }

  it('computes a window again when a reference profile it used was replaced, or one is saved where none was', async () => {
    await withStore(async (store) => {
      await seed(store);
      const before = await restarted(store).source.timeline('hs', 4);
      await store.saveProfile('a'.repeat(64), encodeProfile(syntheticProfile(11)), { model: 'hs-model', version: '3' });
      const replaced = restarted(store);
      const after = await replaced.source.timeline('hs', 4);
      assert.equal(replaced.read.length, after.length, 'every window answered by the replaced profile\'s model is read again');
      assert.notDeepEqual(after.map((w) => w.variants.map((v) => v.drift)), before.map((w) => w.variants.map((v) => v.drift)));
      await assertFiguresOfReport(store, after);

      const unchanged = restarted(store);
      await unchanged.source.timeline('hs', 4);
      assert.equal(unchanged.read.length, 0, 'stored again on the new profile (the open window as a snapshot): none is read');
      // Variant b's model had no profile: a profile saved for it now changes its windows' drift and estimate.
      await store.saveProfile('b'.repeat(64), encodeProfile(syntheticProfile(5)), { model: 'hs-model', version: '4' });
      const profiled = restarted(store);
      const withB = await profiled.source.timeline('hs', 4);
      assert.equal(profiled.read.length, withB.length);
      assert.ok(withB.some((w) => w.variants.some((v) => v.variant === 'b' && v.drift.length > 0)));
      await assertFiguresOfReport(store, withB);
    });
  });

  it('reads a window again when retention removed some of its rows, and drops the stored windows before the oldest kept row', async () => {
    await withStore(async (store) => {
      await seed(store);
      const before = await restarted(store).source.timeline('hs', 4);
      assert.ok((await store.listTimelineWindows({ endpoint: 'hs', widthMs: widthOf(before) })).length >= 2);
      // Rows before T0 + 150 s go (the fixture logs one a second from T0).
      assert.ok(await store.prunePredictions({ now: T0 + 150_000, maxAgeMs: 0 }) > 0);
      const pruned = restarted(store);
      const after = await pruned.source.timeline('hs', 4);
      assert.equal(widthOf(after), widthOf(before));
      assert.ok(after[0]!.since < T0 + 150_000 && after[0]!.until > T0 + 150_000, 'the first window lost some rows');
      assert.deepEqual(pruned.read, [after[0]!.since, after.at(-1)!.since], 'it is read again, with the open one');
      await assertFiguresOfReport(store, after);
      const left = await store.listTimelineWindows({ endpoint: 'hs', widthMs: widthOf(after) });
      assert.ok(left.every((w) => w.since >= after[0]!.since), 'no stored window before the oldest kept row');
    });
  });
});
