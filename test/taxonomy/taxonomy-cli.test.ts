import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { verb as dataVerb } from '../../src/cli/data.js';
import { verb as modelsVerb } from '../../src/cli/models.js';
import { verb as taxonomyVerb } from '../../src/cli/taxonomy.js';
import { verb as trainVerb } from '../../src/cli/train.js';
import { openPlatformMonitoringStore } from '../../src/platform/index.js';
import { runVerb } from '../helpers/run-cli.js';
import { prediction } from '../monitoring/store/fixtures.js';
import { HS6_CSV, writeHsFixture, type HsFixture } from './hs-fixtures.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'lading-taxonomy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function ok(verb: typeof taxonomyVerb, argv: readonly string[]): Promise<string> {
  const r = await runVerb(verb, argv);
  assert.equal(r.code, 0, `lading ${argv.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

async function json<T>(verb: typeof taxonomyVerb, argv: readonly string[]): Promise<T> {
  return JSON.parse(await ok(verb, [...argv, '--json'])) as T;
}

/** A workspace with HS 2022 (all of hs6.csv), the fixture's HS 2017 and the hs-goods subset imported. */
async function prepared(t: TestContext): Promise<{ home: string; dir: string; fx: HsFixture; dataset: string }> {
  const dir = tempDir(t);
  const home = join(dir, 'home');
  const fx = writeHsFixture(dir);
  await ok(taxonomyVerb, ['import', 'hs2022', HS6_CSV, '--home', home, '--actor', 'ana', '--reason', 'HS 2022 edition']);
  await ok(taxonomyVerb, ['import', 'hs2017', fx.hs2017Csv, '--home', home, '--actor', 'ana']);
  const imported = await json<{ dataset: { id: string } }>(dataVerb, ['import', fx.goodsCsv, '--label', 'label,label_4,label_2,label_full', '--levels', '2,4,6', '--home', home]);
  return { home, dir, fx, dataset: imported.dataset.id };
}

interface MapJson {
  table: { id: string; from: { name: string; version: number }; to: { name: string; version: number } };
  created: boolean;
  kinds: Record<string, number>;
  dataset?: {
    base: string; id: string; created: boolean; lineage: string; rows: number; mapped: Record<string, number>; unchanged: number;
    unmapped: { label: string; rows: number }[]; droppedColumns: string[]; split: { row: number; oldCode: string; candidates: string[] }[];
    review: { text: string; suggestions: string[]; reason: string }[];
  };
  model?: { name: string; version: number; taxonomy: string | null; classes: { label: string; kind: string; targets: string[]; predictions: number }[]; predictions: number; affectedPredictions: number; affectedShare: number | null };
}

describe('lading taxonomy: HS 2017 -> HS 2022 on the shared HS data', () => {
  it('import stores hs6.csv with descriptions and parents; the same file again changes nothing', async (t) => {
    const home = join(tempDir(t), 'home');
    const first = await json<{ created: boolean; taxonomy: { name: string; version: number; codeCount: number; parentLevels: string[] } }>(taxonomyVerb, ['import', 'hs2022', HS6_CSV, '--home', home]);
    assert.equal(first.created, true);
    assert.deepEqual([first.taxonomy.version, first.taxonomy.codeCount, first.taxonomy.parentLevels], [1, 5612, ['label_4', 'label_2']]);
    assert.match(await ok(taxonomyVerb, ['import', 'hs2022', HS6_CSV, '--home', home]), /already stored .*nothing changed: hs2022@1/);
    const shown = await json<{ codes: { code: string; description: string; parents: string[] }[] }>(taxonomyVerb, ['show', 'hs2022@1', '--home', home]);
    assert.deepEqual(shown.codes.find((c) => c.code === '040320'), { code: '040320', description: shown.codes.find((c) => c.code === '040320')!.description, parents: ['0403', '04'] });
    assert.match(shown.codes.find((c) => c.code === '040320')!.description, /yoghurt/i);
  });

  it('map --dataset: renumbered and merged codes are relabelled, splits held for review with their candidates, the rest counted', async (t) => {
    const { home, fx, dataset } = await prepared(t);
    const out = await json<MapJson>(taxonomyVerb, ['map', 'hs2017', 'hs2022', fx.correlationCsv, '--dataset', dataset, '--home', home, '--actor', 'ana', '--reason', 'HS 2022']);
    assert.equal(out.created, true);
    assert.deepEqual(out.kinds, { 'one-to-one': 2, 'many-to-one': 2, 'one-to-many': 2 });
    const d = out.dataset!;
    const n = (code: string) => fx.counts.get(code) ?? 0;
    assert.deepEqual(d.mapped, { 'one-to-one': n('040310') + n('340220'), 'many-to-one': n('620119') + n('620199') });
    assert.deepEqual(d.unmapped, [{ label: '382200', rows: n('382200') }]);
    assert.equal(d.split.length, n('940540') + n('851712'));
    assert.ok(n('940540') > 0 && n('851712') > 0 && n('620199') > 0);
    for (const s of d.split) assert.deepEqual(s.candidates, s.oldCode === '940540' ? ['940541', '940542', '940549'] : ['851713', '851714']);
    assert.equal(d.review.length, d.split.length);
    assert.match(d.review[0]!.reason, /taxonomy split: (940540|851712) \(hs2017@1\) became/);
    assert.equal(d.rows, fx.rows - d.split.length - n('382200'));
    assert.deepEqual(d.droppedColumns, ['label_full']);

    // The new dataset version: new codes only, parents recomputed, its source names the table.
    const shown = await json<{ id: string; source: { file: string }; labelColumns: string[]; levels: number[]; stats: { labelHistogram: Record<string, { label: string; count: number }[]> } }>(
      dataVerb, ['show', d.id, '--home', home]);
    assert.deepEqual(shown.labelColumns, ['label', 'label_4', 'label_2']);
    assert.deepEqual(shown.levels, [2, 4, 6]);
    assert.ok(shown.source.file.startsWith(`taxonomy-map:${dataset} hs2017@1 -> hs2022@1 via ${out.table.id}`), shown.source.file);
    const count = (column: string, label: string) => shown.stats.labelHistogram[column]!.find((h) => h.label === label)?.count ?? 0;
    assert.equal(count('label', '040320'), n('040320') + n('040310'));
    assert.equal(count('label', '620190'), n('620190') + n('620119') + n('620199'));
    for (const gone of ['040310', '340220', '620119', '620199', '940540', '851712', '382200']) assert.equal(count('label', gone), 0, gone);
    assert.equal(count('label_4', '0403'), n('040320') + n('040310') + [...fx.counts].filter(([c]) => c.startsWith('0403') && c !== '040320' && c !== '040310').reduce((a, [, k]) => a + k, 0));
    assert.equal(count('label_4', '3402') >= n('340220'), true);

    // The same table again is the same table; the text output lists the split rows with their candidates.
    const again = await ok(taxonomyVerb, ['map', 'hs2017', 'hs2022', fx.correlationCsv, '--dataset', dataset, '--home', home]);
    assert.match(again, /already stored \(same pairs\), nothing changed/);
    assert.match(again, /already stored \(same content\): ds-/);
    assert.match(again, /rows of split codes held for review/);
    assert.match(again, /940540 +940541 \| 940542 \| 940549/);
    const listed = await json<{ correlations: { id: string; createdBy: string; reason: string }[] }>(taxonomyVerb, ['list', '--home', home]);
    assert.deepEqual(listed.correlations.map((c) => [c.id, c.createdBy, c.reason]), [[out.table.id, 'ana', 'HS 2022']]);
    assert.match(await ok(taxonomyVerb, ['show', out.table.id, '--home', home]), /940540 +one-to-many +940541, 940542, 940549/);
  });

  it('a model records its taxonomy; map --model reports its affected classes and the share of its logged answers', async (t) => {
    const { home, dir, fx, dataset } = await prepared(t);
    const artifact = join(dir, 'hs.lading');
    const trained = await json<{ registered: { name: string; version: number }; taxonomy: { taxonomy: string; labelsOutside: string[] }; sha256: string }>(trainVerb,
      ['--data', dataset, '--label', 'label', '--model', 'linear', '--register', 'hs', '--taxonomy', 'hs2017', '--out', artifact, '--home', home, '--actor', 'ci']);
    assert.deepEqual(trained.taxonomy, { taxonomy: 'hs2017@1', labelsOutside: [] });
    const shown = await json<{ tags: Record<string, string> }>(modelsVerb, ['show', 'hs@1', '--home', home]);
    assert.equal(shown.tags['taxonomy'], 'hs2017@1');
    // The same artifact against HS 2022: the pre-2022 codes are reported, the version is still registered.
    const registered = await json<{ tags: Record<string, string>; taxonomyCheck: { labelsOutside: string[] } }>(modelsVerb,
      ['register', 'hs-2022-check', artifact, '--taxonomy', 'hs2022', '--home', home]);
    assert.equal(registered.tags['taxonomy'], 'hs2022@1');
    assert.deepEqual([...registered.taxonomyCheck.labelsOutside].sort(), Object.keys({ ...Object.fromEntries([...fx.counts].filter(([c]) => ['040310', '340220', '620119', '620199', '940540', '851712', '382200'].includes(c))) }).sort());

    // Logged answers: 4 of 10 named a split class, 1 a renumbered one; another model's answers do not count.
    const store = await openPlatformMonitoringStore({ home, registryUrl: undefined, registrySchema: 'public' });
    const labels = ['940540', '940540', '940540', '940540', '040310', ...Array.from({ length: 5 }, () => [...fx.counts.keys()].find((c) => c.startsWith('39'))!)];
    await store.appendPredictions([
      ...labels.map((label, i) => prediction(i, { label, modelSha256: trained.sha256, model: 'hs', version: '1' })),
      ...Array.from({ length: 5 }, (_, i) => prediction(100 + i, { label: '940540', modelSha256: 'b'.repeat(64) })),
    ]);
    await store.close();
    const out = await json<MapJson>(taxonomyVerb, ['map', 'hs2017', 'hs2022', fx.correlationCsv, '--model', 'hs@1', '--home', home]);
    const m = out.model!;
    assert.deepEqual([m.predictions, m.affectedPredictions, m.affectedShare], [10, 5, 0.5]);
    assert.deepEqual(m.classes.slice(0, 2).map((c) => [c.label, c.kind, c.predictions]), [['940540', 'one-to-many', 4], ['040310', 'one-to-one', 1]]);
    assert.deepEqual(m.classes.find((c) => c.label === '382200'), { label: '382200', kind: 'not-in-new', targets: [], predictions: 0 });
    assert.deepEqual(m.classes.map((c) => c.label).sort(), ['040310', '340220', '382200', '620119', '620199', '851712', '940540'].filter((c) => fx.counts.has(c)));
    const text = await ok(taxonomyVerb, ['map', 'hs2017', 'hs2022', fx.correlationCsv, '--model', 'hs@1', '--home', home]);
    assert.match(text, /model hs@1: 7 of \d+ classes affected; 5 of 10 logged answers \(50\.0%\) named an affected class/);
    assert.doesNotMatch(text, /note:/);
    assert.equal(m.taxonomy, 'hs2017@1');
    const other = await ok(taxonomyVerb, ['map', 'hs2017', 'hs2022', fx.correlationCsv, '--model', 'hs-2022-check@1', '--home', home]);
    assert.match(other, /note: hs-2022-check@1 records taxonomy hs2022@1, not hs2017@1/);
  });

  it('train --taxonomy names a stored taxonomy and needs --register; otherwise nothing is trained or registered', async (t) => {
    const { home, dataset } = await prepared(t);
    const common = ['--data', dataset, '--label', 'label', '--model', 'linear', '--home', home];
    const unknown = await runVerb(trainVerb, [...common, '--register', 'hs', '--taxonomy', 'hs2027']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /no taxonomy hs2027/);
    const unregistered = await runVerb(trainVerb, [...common, '--out', join(home, 'm.lading'), '--taxonomy', 'hs2022']);
    assert.notEqual(unregistered.code, 0);
    assert.match(unregistered.stderr, /--taxonomy is recorded on a registered version; add --register NAME/);
    assert.deepEqual(await json<unknown[]>(modelsVerb, ['list', '--home', home]), []);
  });

  for (const [what, table, from, to, line, pattern] of [
    ['an unknown old code', 'old,new\n040310,040320\n999999,040320\n', 'hs2017', 'hs2022', 3, /old code 999999 is not in hs2017@1/],
    ['an unknown new code', 'old,new\n040310,040399\n', 'hs2017', 'hs2022', 2, /new code 040399 is not in hs2022@1/],
    ['a duplicate row', 'old,new\n040310,040320\n940540,940541\n040310,040320\n', 'hs2017', 'hs2022', 4, /040310 -> 040320 repeats line 2/],
    ['a cycle within one taxonomy', 'old,new\n040320,040390\n040390,040320\n', 'hs2022', 'hs2022', 3, /closes a cycle: 040320 -> 040390 -> 040320/],
    ['an empty new code', 'old,new\n040310,\n', 'hs2017', 'hs2022', 2, /column "new": the code is empty/],
  ] as const) {
    it(`a correlation table with ${what} gets an error naming the row, and nothing changes`, async (t) => {
      const { home, dir, dataset } = await prepared(t);
      const file = join(dir, 'bad.csv');
      writeFileSync(file, table);
      const before = await json<unknown[]>(dataVerb, ['list', '--home', home]);
      const r = await runVerb(taxonomyVerb, ['map', from, to, file, '--dataset', dataset, '--home', home]);
      assert.notEqual(r.code, 0);
      assert.ok(r.stderr.includes(`${file}: line ${line}`), r.stderr);
      assert.match(r.stderr, pattern);
      assert.deepEqual((await json<{ correlations: unknown[] }>(taxonomyVerb, ['list', '--home', home])).correlations, []);
      assert.deepEqual(await json<unknown[]>(dataVerb, ['list', '--home', home]), before);
    });
  }

  it('taxonomy files: a missing column or a repeated code is an error naming file, line and column; nothing is stored', async (t) => {
    const dir = tempDir(t);
    const home = join(dir, 'home');
    const file = join(dir, 'cat.csv');
    writeFileSync(file, 'code,name\nA1,Shoes\nB2,Bags\nA1,Boots\n');
    const missing = await runVerb(taxonomyVerb, ['import', 'cat', file, '--home', home]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /has no column "label"/);
    const repeated = await runVerb(taxonomyVerb, ['import', 'cat', file, '--code', 'code', '--description', 'name', '--parent', '', '--home', home]);
    assert.notEqual(repeated.code, 0);
    assert.match(repeated.stderr, new RegExp(`${file}: line 4, column "code": code A1 already appeared on line 2`));
    assert.match(await ok(taxonomyVerb, ['list', '--home', home]), /no taxonomies stored/);
    writeFileSync(file, 'code,name\nA1,Shoes\nB2,Bags\n');
    assert.match(await ok(taxonomyVerb, ['import', 'cat', file, '--code', 'code', '--description', 'name', '--parent', '', '--home', home]), /cat@1: 2 codes$/m);
  });

  it('every subcommand has --help', async () => {
    for (const sub of ['import', 'list', 'show', 'map']) assert.match(await ok(taxonomyVerb, [sub, '--help']), new RegExp(`^Usage: lading taxonomy ${sub}`));
  });
});
