import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { InputError, NotFoundError } from '../../src/core/errors.js';
import type { CorrelationPair, TaxonomyContent } from '../../src/taxonomy/taxonomy.js';
import type { TaxonomyStore } from '../../src/taxonomy/taxonomy-store.js';

export interface OpenedTaxonomyStore {
  readonly store: TaxonomyStore;
  /** A second store on the same storage (another process would open one). */
  reopen(): Promise<TaxonomyStore>;
}

const content = (codes: readonly string[], extra = ''): TaxonomyContent => ({
  parentLevels: ['label_4', 'label_2'],
  codes: codes.map((code) => ({ code, description: `goods ${code}${extra}`, parents: [code.slice(0, 4), code.slice(0, 2)] })),
});
const meta = (source = 'hs.csv') => ({ actor: 'ana', reason: 'HS edition', source });
const pairs = (rows: readonly [string, string][]): CorrelationPair[] => rows.map(([oldCode, newCode], i) => ({ oldCode, newCode, line: i + 2 }));

/** The TaxonomyStore contract; `open` gives a fresh, empty store per test and cleans up after it. */
export function taxonomyStoreContract(adapter: string, open: (t: TestContext) => Promise<OpenedTaxonomyStore>): void {
  describe(`TaxonomyStore contract: ${adapter}`, () => {
    it('imports a label set as version 1, with codes, descriptions and parents, audited', async (t) => {
      const { store } = await open(t);
      const { version, created } = await store.importTaxonomy('hs2022', content(['040320', '040390', '340250']), meta());
      assert.equal(created, true);
      assert.equal(version.version, 1);
      assert.equal(version.codeCount, 3);
      assert.deepEqual(version.parentLevels, ['label_4', 'label_2']);
      assert.equal(version.createdBy, 'ana');
      assert.deepEqual(await store.getTaxonomy('hs2022'), version);
      assert.deepEqual(await store.getTaxonomy('hs2022@1'), version);
      assert.deepEqual((await store.getCodes('hs2022@1'))[0], { code: '040320', description: 'goods 040320', parents: ['0403', '04'] });
      const log = await store.auditLog();
      assert.deepEqual(log.map((e) => [e.action, e.subject, e.actor, e.reason]), [['taxonomy.imported', 'hs2022@1', 'ana', 'HS edition']]);
    });

    it('the same content again is a no-op; changed content is the next version; other processes see both', async (t) => {
      const { store, reopen } = await open(t);
      await store.importTaxonomy('cat', content(['a1', 'b2']), meta());
      const again = await store.importTaxonomy('cat', { ...content(['b2', 'a1']) }, meta('other.csv'));
      assert.equal(again.created, false);
      assert.equal(again.version.version, 1);
      const changed = await store.importTaxonomy('cat', content(['a1', 'b2'], ' (revised)'), meta());
      assert.equal(changed.created, true);
      assert.equal(changed.version.version, 2);
      const other = await reopen();
      try {
        assert.deepEqual((await other.listTaxonomies()).map((v) => `${v.name}@${v.version}`), ['cat@1', 'cat@2']);
        assert.equal((await other.getTaxonomy('cat')).version, 2);
      } finally {
        await other.close();
      }
      assert.equal((await store.auditLog()).length, 2);
    });

    it('two stores importing changed content of one name at once number their versions 1 and 2', async (t) => {
      const { store, reopen } = await open(t);
      const other = await reopen();
      try {
        const [a, b] = await Promise.all([store.importTaxonomy('cat', content(['a1']), meta()), other.importTaxonomy('cat', content(['b2']), meta())]);
        assert.deepEqual([a.version.version, b.version.version].sort(), [1, 2]);
        assert.equal((await store.listTaxonomies()).length, 2);
      } finally {
        await other.close();
      }
    });

    it('bad content and unknown refs are refused and store nothing', async (t) => {
      const { store } = await open(t);
      await assert.rejects(store.importTaxonomy('hs', content(['01', '01']), meta()), (e: unknown) => e instanceof InputError && e.code === 'duplicate-code');
      await assert.rejects(store.importTaxonomy('bad name', content(['01']), meta()), InputError);
      await assert.rejects(store.getTaxonomy('hs'), NotFoundError);
      await assert.rejects(store.getTaxonomy('hs@x'), InputError);
      assert.deepEqual(await store.listTaxonomies(), []);
      assert.deepEqual(await store.auditLog(), []);
    });

    it('stores a correlation table between two versions, named by its content; the same pairs again are the same table', async (t) => {
      const { store } = await open(t);
      await store.importTaxonomy('hs2017', content(['040310', '940540', '620119', '620199']), meta());
      await store.importTaxonomy('hs2022', content(['040320', '940541', '940549', '620190']), meta());
      const rows = pairs([['040310', '040320'], ['940540', '940541'], ['940540', '940549'], ['620119', '620190'], ['620199', '620190']]);
      const from = { name: 'hs2017', version: 1 };
      const to = { name: 'hs2022', version: 1 };
      const { table, created } = await store.saveCorrelation(from, to, rows, meta('corr.csv'));
      assert.equal(created, true);
      assert.match(table.id, /^corr-[0-9a-f]{16}$/);
      assert.deepEqual(table.pairs, rows);
      assert.deepEqual(await store.getCorrelation(table.id), table);
      assert.deepEqual(await store.getCorrelation(table.id.slice(0, 9)), table);
      const again = await store.saveCorrelation(from, to, [...rows].reverse(), meta('copy.csv'));
      assert.equal(again.created, false);
      assert.equal(again.table.id, table.id);
      assert.deepEqual((await store.listCorrelations()).map((c) => c.id), [table.id]);
      assert.deepEqual((await store.auditLog()).map((e) => e.action), ['taxonomy.imported', 'taxonomy.imported', 'correlation.saved']);
      await assert.rejects(store.getCorrelation('corr-ffffffffffffffff'), NotFoundError);
    });

    for (const [what, code, rows, line] of [
      ['an unknown old code', 'unknown-old-code', [['040310', '040320'], ['999999', '040320']], 3],
      ['an unknown new code', 'unknown-new-code', [['040310', '040399']], 2],
      ['a duplicate row', 'duplicate-correlation-row', [['040310', '040320'], ['940540', '940541'], ['040310', '040320']], 4],
    ] as const) {
      it(`a table with ${what} is refused naming its line, and nothing is stored`, async (t) => {
        const { store } = await open(t);
        await store.importTaxonomy('hs2017', content(['040310', '940540']), meta());
        await store.importTaxonomy('hs2022', content(['040320', '940541']), meta());
        await assert.rejects(store.saveCorrelation({ name: 'hs2017', version: 1 }, { name: 'hs2022', version: 1 }, pairs(rows.map((r) => [r[0], r[1]])), meta('corr.csv')),
          (e: unknown) => e instanceof InputError && e.code === code && e.facts['row'] === line && e.message.startsWith(`corr.csv: line ${line}`));
        assert.deepEqual(await store.listCorrelations(), []);
        assert.equal((await store.auditLog()).length, 2);
      });
    }

    it('within one taxonomy a cycle is refused naming the row that closes it; a code kept beside a split is no cycle', async (t) => {
      const { store } = await open(t);
      await store.importTaxonomy('cat', content(['a1', 'b2', 'c3', 'd4']), meta());
      const self = { name: 'cat', version: 1 };
      await assert.rejects(store.saveCorrelation(self, self, pairs([['a1', 'b2'], ['b2', 'c3'], ['c3', 'a1']]), meta('restructure.csv')),
        (e: unknown) => e instanceof InputError && e.code === 'correlation-cycle' && e.facts['row'] === 4 && /a1 -> b2 -> c3 -> a1/.test(e.message));
      assert.deepEqual(await store.listCorrelations(), []);
      const ok = await store.saveCorrelation(self, self, pairs([['a1', 'a1'], ['a1', 'd4'], ['b2', 'c3']]), meta('restructure.csv'));
      assert.equal(ok.created, true);
    });

    it('a table between versions that do not exist is NotFound and stores nothing', async (t) => {
      const { store } = await open(t);
      await store.importTaxonomy('hs2022', content(['040320']), meta());
      await assert.rejects(store.saveCorrelation({ name: 'hs2017', version: 1 }, { name: 'hs2022', version: 1 }, pairs([['040310', '040320']]), meta()), NotFoundError);
      assert.deepEqual(await store.listCorrelations(), []);
    });
  });
}
