import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lookupOnline } from '../../src/features/online-lookup.js';
import type { OnlineStore } from '../../src/features/online-store.js';

const T = Date.parse('2026-03-01T00:00:00Z');
const DAY = 86_400_000;

/** One suite, every online adapter: `open` gives an empty store and a way to drop it. */
export function onlineStoreContract(name: string, open: () => Promise<{ store: OnlineStore; cleanup(): Promise<void> }>): void {
  describe(`online feature store contract: ${name}`, () => {
    const withStore = async (fn: (s: OnlineStore) => Promise<void>) => {
      const { store, cleanup } = await open();
      try { await fn(store); } finally { await store.close(); await cleanup(); }
    };

    it('write then read in batches: values of every type, null for an unknown key, keys of other views apart', () => withStore(async (s) => {
      const features = ['top_chapter', 'lines_30d', 'share', 'repeat'];
      assert.equal(await s.write('importer_history', features, [
        { entityKey: 'acme', time: T, values: ['61', 3, 0.25, true] },
        { entityKey: 'bolt:1', time: T + 1, values: [null, 0, -1.5, false] },
      ]), 2);
      await s.write('other_view', ['x'], [{ entityKey: 'acme', time: T, values: ['other'] }]);
      const got = await s.read('importer_history', features, ['bolt:1', 'ghost', 'acme']);
      assert.deepEqual(got, [{ time: T + 1, values: [null, 0, -1.5, false] }, null, { time: T, values: ['61', 3, 0.25, true] }]);
      assert.deepEqual(await s.read('importer_history', features, []), []);
      // Asked for a feature the rows do not carry (a view that gained it later): null, not an error.
      assert.deepEqual(await s.read('importer_history', ['top_chapter', 'country'], ['acme']), [{ time: T, values: ['61', null] }]);
    }));

    it('a read of many keys (more than one statement or call holds), repeated and unknown among them, answers each in its place', () => withStore(async (s) => {
      await s.write('v', ['n'], Array.from({ length: 50 }, (_, i) => ({ entityKey: `k${i}`, time: T + i, values: [i] })));
      const keys = Array.from({ length: 77 }, (_, i) => (i % 11 === 0 ? `ghost${i}` : `k${(i * 7) % 50}`));
      keys.push('k3', 'k3');
      const got = await s.read('v', ['n'], keys);
      assert.equal(got.length, keys.length);
      keys.forEach((k, i) => {
        const n = k.startsWith('ghost') ? undefined : Number(k.slice(1));
        assert.deepEqual(got[i], n === undefined ? null : { time: T + n, values: [n] }, `key ${i}: ${k}`);
      });
    }));

    it('a write never moves a key back in time; a newer one (or the same time again) replaces it', () => withStore(async (s) => {
      await s.write('v', ['a'], [{ entityKey: 'k', time: T + DAY, values: ['new'] }]);
      assert.equal(await s.write('v', ['a'], [{ entityKey: 'k', time: T, values: ['old'] }]), 0);
      assert.deepEqual(await s.read('v', ['a'], ['k']), [{ time: T + DAY, values: ['new'] }]);
      assert.equal(await s.write('v', ['a'], [{ entityKey: 'k', time: T + 2 * DAY, values: ['newer'] }]), 1);
      assert.deepEqual(await s.read('v', ['a'], ['k']), [{ time: T + 2 * DAY, values: ['newer'] }]);
    }));

    it('a lookup applies the TTL at read time: found, expired (nulls), unknown key', () => withStore(async (s) => {
      await s.write('v', ['a', 'b'], [{ entityKey: 'fresh', time: T, values: ['x', 1] }, { entityKey: 'stale', time: T - 40 * DAY, values: ['y', 2] }]);
      const got = await lookupOnline(s, 'v', ['a', 'b'], 30 * DAY, ['fresh', 'stale', 'none'], T + DAY);
      assert.deepEqual(got, [
        { status: 'found', values: ['x', 1], time: T }, { status: 'expired', values: [null, null], time: T - 40 * DAY }, { status: 'unknown-key', values: [null, null] },
      ]);
    }));
  });
}
