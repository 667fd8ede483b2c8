import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { DatasetRows } from '../../../src/core/dataset.js';
import { ConflictError, InputError, NotFoundError } from '../../../src/core/errors.js';
import { datasetContentHash } from '../../../src/data/dataset-hash.js';
import type { DatasetRegistry } from '../../../src/registry/dataset-registry.js';

export interface OpenedRegistry {
  readonly registry: DatasetRegistry;
  /** Opens a second registry on the same storage (another process would). */
  reopen(): Promise<DatasetRegistry>;
}

const rows = (n: number, salt = ''): DatasetRows => ({
  textColumn: 'text',
  labelColumns: ['label', 'label_2'],
  texts: Array.from({ length: n }, (_, i) => `item ${i}${salt}`),
  labels: { label: Array.from({ length: n }, (_, i) => `39${String(i % 7).padStart(4, '0')}`), label_2: Array.from({ length: n }, () => '39') },
});

/**
 * The DatasetRegistry contract. Every adapter runs it against a real back-end;
 * `open` gives a fresh, empty registry for each test (and cleans up after it).
 */
export function datasetRegistryContract(adapter: string, open: (t: TestContext) => Promise<OpenedRegistry>): void {
  describe(`Registry datasets contract: ${adapter}`, () => {
    it('saves a version named by its content, with stats and source', async (t) => {
      const { registry } = await open(t);
      const data = rows(20);
      const { version, created } = await registry.saveDataset(data, { file: '/data/a.csv', format: 'csv' }, { levels: [2, 4, 6] });
      assert.equal(created, true);
      assert.equal(version.contentSha256, datasetContentHash(data));
      assert.equal(version.id, `ds-${version.contentSha256.slice(0, 16)}`);
      assert.deepEqual(version.source, { file: '/data/a.csv', format: 'csv' });
      assert.deepEqual(version.levels, [2, 4, 6]);
      assert.equal(version.stats.rows, 20);
      assert.equal(version.stats.classes['label'], 7);
      assert.deepEqual(await registry.getDataset(version.id), version);
    });

    it('the same content again is the same version, created false, source unchanged', async (t) => {
      const { registry } = await open(t);
      const first = await registry.saveDataset(rows(5), { file: 'a.csv', format: 'csv' });
      const second = await registry.saveDataset(rows(5), { file: 'b.jsonl', format: 'jsonl' });
      assert.equal(second.created, false);
      assert.deepEqual(second.version, first.version);
      assert.equal((await registry.listDatasets()).length, 1);
    });

    it('different levels for the same content is a conflict; omitting levels is not', async (t) => {
      const { registry } = await open(t);
      await registry.saveDataset(rows(5), { file: 'a.csv', format: 'csv' }, { levels: [2, 4] });
      await assert.rejects(registry.saveDataset(rows(5), { file: 'a.csv', format: 'csv' }, { levels: [2, 4, 6] }), ConflictError);
      assert.equal((await registry.saveDataset(rows(5), { file: 'a.csv', format: 'csv' })).created, false);
    });

    it('bad levels and malformed rows are InputErrors that store nothing', async (t) => {
      const { registry } = await open(t);
      await assert.rejects(registry.saveDataset(rows(3), { file: 'a.csv', format: 'csv' }, { levels: [4, 2] }), InputError);
      const ragged: DatasetRows = { ...rows(3), labels: { label: ['a'], label_2: ['b', 'c', 'd'] } };
      await assert.rejects(registry.saveDataset(ragged, { file: 'a.csv', format: 'csv' }), InputError);
      assert.deepEqual(await registry.listDatasets(), []);
      assert.deepEqual(await registry.listUnreferencedArtifacts(), []);
    });

    it('reviewed rows are stored with the rows and are part of the identity; bad ones are InputErrors that store nothing', async (t) => {
      const { registry } = await open(t);
      const plain = (await registry.saveDataset(rows(4), { file: 'a.csv', format: 'csv' })).version;
      const marked: DatasetRows = { ...rows(4), reviewRows: [1, 3] };
      const { version, created } = await registry.saveDataset(marked, { file: 'a.csv', format: 'csv' });
      assert.equal(created, true);
      assert.notEqual(version.id, plain.id);
      assert.deepEqual(await registry.loadDatasetRows(version.id), marked);
      for (const reviewRows of [[3, 1], [4], [1, 1]]) {
        await assert.rejects(registry.saveDataset({ ...rows(4, 'x'), reviewRows }, { file: 'a.csv', format: 'csv' }),
          (e: unknown) => e instanceof InputError && e.facts['field'] === 'reviewRows');
      }
      assert.deepEqual((await registry.listDatasets()).map((v) => v.id), [plain.id, version.id]);
    });

    it('finds a version by unique prefix, with or without "ds-"; unknown or ambiguous refs fail clearly', async (t) => {
      const { registry } = await open(t);
      const saved: string[] = [];
      for (let k = 0; k < 40; k++) saved.push((await registry.saveDataset(rows(2, `-${k}`), { file: 'a.csv', format: 'csv' })).version.id);
      const id = saved[0]!;
      assert.equal((await registry.getDataset(id)).id, id);
      assert.equal((await registry.getDataset(id.slice(0, 12))).id, id);
      assert.equal((await registry.getDataset(id.slice(3, 13).toUpperCase())).id, id);
      await assert.rejects(registry.getDataset('ds-ffffffffffffffff0'), (e: unknown) => e instanceof NotFoundError && e.message.includes('ds-ffffffffffffffff0'));
      await assert.rejects(registry.getDataset("x' OR 1=1 --"), NotFoundError);
      // 40 ids over 16 hex digits: some first digit is shared.
      const byFirst = new Map<string, number>();
      for (const s of saved) byFirst.set(s[3]!, (byFirst.get(s[3]!) ?? 0) + 1);
      const shared = [...byFirst].find(([, n]) => n > 1)![0];
      await assert.rejects(registry.getDataset(`ds-${shared}`), (e: unknown) => e instanceof InputError && e.code === 'ambiguous-dataset-id');
    });

    it('lists versions oldest first', async (t) => {
      const { registry } = await open(t);
      const a = (await registry.saveDataset(rows(2, 'a'), { file: 'a.csv', format: 'csv' })).version;
      await new Promise((r) => setTimeout(r, 5));
      const b = (await registry.saveDataset(rows(2, 'b'), { file: 'b.csv', format: 'csv' })).version;
      assert.deepEqual((await registry.listDatasets()).map((v) => v.id), [a.id, b.id]);
    });

    it('loads the rows back exactly, also from another connection', async (t) => {
      const { registry, reopen } = await open(t);
      const data: DatasetRows = {
        textColumn: 'title', labelColumns: ['aisle'],
        texts: ['Crème brûlée 🍮', '', 'two\nlines, "quoted"', '\u0000ctl'], labels: { aisle: ['dessert', 'x', 'y', 'z'] },
      };
      const { version } = await registry.saveDataset(data, { file: 'a.csv', format: 'csv' });
      assert.deepEqual(await registry.loadDatasetRows(version.id), data);
      const other = await reopen();
      try {
        assert.deepEqual(await other.loadDatasetRows(version.id.slice(0, 10)), data);
        assert.equal((await other.saveDataset(data, { file: 'a.csv', format: 'csv' })).created, false);
      } finally {
        other.close();
      }
      await assert.rejects(registry.loadDatasetRows('ds-0000000000000000'), NotFoundError);
    });
  });
}
