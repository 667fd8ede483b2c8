import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError, InputError, NotFoundError } from '../../src/core/errors.js';
import type { FeatureViewSpec } from '../../src/features/feature-spec.js';
import type { FeatureValue } from '../../src/features/feature-values.js';
import type { HistoryPage, IngestBatch, OfflineStore } from '../../src/features/offline-store.js';
import { joinPointInTime } from '../../src/features/point-in-time-join.js';

export const IMPORTER = { name: 'importer', joinKey: 'importer_id' } as const;
export const HISTORY: FeatureViewSpec = {
  name: 'importer_history', entity: IMPORTER, timestampColumn: 'event_time', ttlMs: 10 * 86_400_000,
  features: [{ name: 'top_chapter', type: 'string' }, { name: 'lines_30d', type: 'int' }, { name: 'textile_share', type: 'float' }, { name: 'repeat', type: 'bool' }],
};

const T0 = Date.parse('2026-01-01T00:00:00Z');
const DAY = 86_400_000;

export function batch(rows: readonly [string, number, ...FeatureValue[]][], features = ['top_chapter', 'lines_30d', 'textile_share', 'repeat'], source = 'test'): IngestBatch {
  return {
    entityKeys: rows.map((r) => r[0]), times: Float64Array.from(rows, (r) => r[1]), features,
    values: features.map((_, f) => rows.map((r) => r[2 + f] as FeatureValue)), source,
  };
}

async function history(store: OfflineStore, view: string, features: readonly string[], pageRows?: number): Promise<unknown[][]> {
  const out: unknown[][] = [];
  await store.scanHistory(view, features, (p: HistoryPage) => {
    for (let r = 0; r < p.size; r++) out.push([p.entityIds[r], p.times[r], ...p.values.map((v) => v[r])]);
  }, pageRows);
  return out;
}

/** One suite, every adapter: `open` gives an empty store and a way to drop it. */
export function offlineStoreContract(name: string, open: () => Promise<{ store: OfflineStore; cleanup(): Promise<void> }>): void {
  describe(`offline feature store contract: ${name}`, () => {
    const withStore = async (fn: (s: OfflineStore) => Promise<void>) => {
      const { store, cleanup } = await open();
      try { await fn(store); } finally { await store.close(); await cleanup(); }
    };

    it('apply: a new view is version 1, the same declaration changes nothing, a changed one is the next version; a type or entity change is refused and changes nothing', () => withStore(async (s) => {
      const [first] = await s.apply([HISTORY], 'ana', 'first');
      assert.deepEqual([first!.change, first!.view.version, first!.view.createdBy, first!.view.reason], ['created', 1, 'ana', 'first']);
      assert.equal((await s.apply([HISTORY], 'bo'))[0]!.change, 'unchanged');
      const wider = { ...HISTORY, features: [...HISTORY.features, { name: 'country', type: 'string' as const }] };
      const [second] = await s.apply([wider], 'bo');
      assert.deepEqual([second!.change, second!.view.version], ['changed', 2]);
      assert.deepEqual((await s.getView('importer_history', 1)).spec.features.map((f) => f.name), ['top_chapter', 'lines_30d', 'textile_share', 'repeat']);
      assert.equal((await s.getView('importer_history')).spec.ttlMs, 10 * DAY);

      const retyped = { ...wider, features: wider.features.map((f) => (f.name === 'lines_30d' ? { ...f, type: 'float' as const } : f)) };
      await assert.rejects(s.apply([retyped], 'cy'), (e: unknown) => e instanceof ConflictError && /lines_30d.*is int.*cannot become float/.test(e.message));
      await assert.rejects(s.apply([{ ...wider, entity: { name: 'merchant', joinKey: 'merchant_id' } }], 'cy'), ConflictError);
      // All or nothing: a good view beside a refused one is not registered either.
      const other: FeatureViewSpec = { ...HISTORY, name: 'other_view' };
      await assert.rejects(s.apply([other, retyped], 'cy'), ConflictError);
      assert.deepEqual((await s.listViews()).map((v) => [v.name, v.version]), [['importer_history', 2]]);
      await assert.rejects(s.getView('nope'), (e: unknown) => e instanceof NotFoundError && /no feature view "nope" \(registered: importer_history\)/.test(e.message));
      await assert.rejects(s.getView('importer_history', 9), (e: unknown) => e instanceof NotFoundError && /has no version 9/.test(e.message));
      assert.deepEqual((await s.auditLog()).map((a) => [a.actor, a.action, a.view, a.version]), [['ana', 'apply', 'importer_history', 1], ['bo', 'apply', 'importer_history', 2]]);
    }));

    it('a view without a TTL keeps its values forever', () => withStore(async (s) => {
      await s.apply([{ ...HISTORY, ttlMs: Number.POSITIVE_INFINITY }], 'ana');
      assert.equal((await s.getView('importer_history')).spec.ttlMs, Number.POSITIVE_INFINITY);
    }));

    it('ingest: values of every type (and nulls) come back in (entity, time, ingest) order across pages; keys get ids, unknown keys -1', () => withStore(async (s) => {
      await s.apply([HISTORY], 'ana');
      const r1 = await s.ingest('importer_history', batch([
        ['acme', T0 + 2 * DAY, '61', 3, 0.5, true],
        ['zeta', T0, '84', 10, null, false],
        ['acme', T0, '62', 1, 0.25, null],
      ]), 'ana');
      assert.deepEqual([r1.rows, r1.newEntities, r1.version, r1.from, r1.to], [3, 2, 1, T0, T0 + 2 * DAY]);
      const r2 = await s.ingest('importer_history', batch([['acme', T0, '63', null, null, false]], ['top_chapter', 'lines_30d', 'textile_share', 'repeat'], 'fix.csv'), 'bo');
      assert.equal(r2.newEntities, 0);
      const ids = await s.entityIds('importer', ['zeta', 'acme', 'never']);
      assert.deepEqual([...ids], [2, 1, -1]);
      const rows = await history(s, 'importer_history', ['top_chapter', 'lines_30d', 'textile_share', 'repeat'], 2);
      assert.deepEqual(rows, [
        [1, T0, '62', 1, 0.25, null], [1, T0, '63', null, null, false], [1, T0 + 2 * DAY, '61', 3, 0.5, true], [2, T0, '84', 10, null, false],
      ]);
      await assert.rejects(s.ingest('importer_history', batch([['acme', T0, 'x']], ['colour']), 'ana'), (e: unknown) => e instanceof InputError && /no feature "colour"/.test(e.message));
      await assert.rejects(s.ingest('nope', batch([]), 'ana'), NotFoundError);
      assert.deepEqual((await s.auditLog('importer_history')).filter((a) => a.action === 'ingest').map((a) => [a.actor, a.detail]), [['ana', '3 rows from test'], ['bo', '1 rows from fix.csv']]);
    }));

    it('a feature added by a later version: older rows have null for it, newer rows carry it', () => withStore(async (s) => {
      await s.apply([HISTORY], 'ana');
      await s.ingest('importer_history', batch([['acme', T0, '61']], ['top_chapter']), 'ana');
      await s.apply([{ ...HISTORY, features: [...HISTORY.features, { name: 'country', type: 'string' }] }], 'ana');
      await s.ingest('importer_history', batch([['acme', T0 + DAY, '62', 'CN']], ['top_chapter', 'country']), 'ana');
      assert.deepEqual(await history(s, 'importer_history', ['top_chapter', 'country']), [[1, T0, '61', null], [1, T0 + DAY, '62', 'CN']]);
    }));

    it('point in time: each example gets the latest value at or before its own time within the TTL, never a later one (one second after is not seen)', () => withStore(async (s) => {
      await s.apply([HISTORY], 'ana');
      await s.ingest('importer_history', batch([
        ['acme', T0, '61', 1, 0, false],
        ['acme', T0 + 5 * DAY, '62', 2, 0, false],
        ['acme', T0 + 5 * DAY, '63', 3, 0, true], // same time, ingested later: it wins
        ['bolt', T0 + 1 * DAY, '84', 7, 0, false],
      ]), 'ana');
      const keys = ['acme', 'acme', 'acme', 'acme', 'acme', 'bolt', 'bolt', 'ghost', 'acme'];
      const times = [
        T0 - 1, // before any value: null
        T0, // exactly at the first value: it
        T0 + 5 * DAY - 1000, // one second before the second value: still the first
        T0 + 5 * DAY, // at the second time: the later ingest of that time
        T0 + 16 * DAY, // 11 days after the latest value, TTL 10 days: null (expired)
        T0 + 1 * DAY - 1000, // bolt's value is written 1 s after this example: not seen
        T0 + 11 * DAY, // exactly the TTL after bolt's value: still valid
        T0 + DAY, // unknown key
        T0 + 15 * DAY, // 10 days after acme's latest: valid
      ];
      const ids = await s.entityIds('importer', keys);
      const joined = await joinPointInTime({ entityIds: ids, times: Float64Array.from(times) }, 2, HISTORY.ttlMs,
        (onPage) => s.scanHistory('importer_history', ['top_chapter', 'lines_30d'], onPage, 2));
      assert.deepEqual(joined.values[0], [null, '61', '61', '63', null, null, '84', null, '63']);
      assert.deepEqual(joined.values[1], [null, 1, 1, 3, null, null, 7, null, 3]);
      assert.deepEqual([joined.matched, joined.expired, joined.missing], [5, 1, 3]);
    }));
  });
}
