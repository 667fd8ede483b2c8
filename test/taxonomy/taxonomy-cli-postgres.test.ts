import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import pg from 'pg';
import { verb as dataVerb } from '../../src/cli/data.js';
import { verb as taxonomyVerb } from '../../src/cli/taxonomy.js';
import { runVerb } from '../helpers/run-cli.js';
import { HS6_CSV, writeHsFixture } from './hs-fixtures.js';

const url = process.env['LADING_TEST_PG_URL'];

if (url === undefined || url === '') {
  it('lading taxonomy on a PostgreSQL registry', { skip: 'LADING_TEST_PG_URL is not set (.ci/run sets it)' }, () => undefined);
} else {
  it('lading taxonomy on a PostgreSQL registry: import, a refused table, map --dataset into the shared registry', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'lading-taxonomy-pg-'));
    const schema = `lading_taxcli_test_${Math.random().toString(36).slice(2, 10)}_${process.pid}`;
    t.after(async () => {
      rmSync(dir, { recursive: true, force: true });
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try { await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`); } finally { await c.end(); }
    });
    const shared = ['--registry-url', url, '--registry-schema', schema, '--home', join(dir, 'home')];
    const run = async (verb: typeof taxonomyVerb, argv: readonly string[]) => {
      const r = await runVerb(verb, [...argv, ...shared, '--json']);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    const fx = writeHsFixture(dir, 60, 4);
    assert.equal((await run(taxonomyVerb, ['import', 'hs2022', HS6_CSV]))['created'], true);
    await run(taxonomyVerb, ['import', 'hs2017', fx.hs2017Csv]);
    const dataset = (await run(dataVerb, ['import', fx.goodsCsv, '--label', 'label,label_4,label_2']))['dataset'] as { id: string };

    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'old,new\n040310,040320\n040310,040320\n');
    const refused = await runVerb(taxonomyVerb, ['map', 'hs2017', 'hs2022', bad, '--dataset', dataset.id, ...shared]);
    assert.notEqual(refused.code, 0);
    assert.ok(refused.stderr.includes(`${bad}: line 3`), refused.stderr);
    assert.deepEqual((await run(taxonomyVerb, ['list']))['correlations'], []);

    const out = await run(taxonomyVerb, ['map', 'hs2017', 'hs2022', fx.correlationCsv, '--dataset', dataset.id]);
    const mapped = out['dataset'] as { id: string; split: unknown[]; rows: number };
    assert.equal(mapped.split.length, (fx.counts.get('940540') ?? 0) + (fx.counts.get('851712') ?? 0));
    const shown = await run(dataVerb, ['show', mapped.id]);
    assert.equal((shown['stats'] as { rows: number }).rows, mapped.rows);
    assert.match((shown['source'] as { file: string }).file, /^taxonomy-map:/);
    const listed = (await run(taxonomyVerb, ['list']))['taxonomies'] as { name: string; codeCount: number }[];
    assert.deepEqual(listed.map((v) => [v.name, v.codeCount]), [['hs2017', fx.counts.size], ['hs2022', 5612]]);
  });
}
