import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { verb as monitorVerb } from '../../src/cli/monitor.js';
import type { CostReport } from '../../src/monitoring/report/cost-report.js';
import { startServeChild } from '../helpers/serve-child.js';
import { runVerb } from '../helpers/run-cli.js';
import { classify } from '../monitoring/serving-fixture.js';
import { trainFixtureModels } from '../serving/fixtures.js';

// Only test files read the environment. Locally: LADING_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test
const url = process.env['LADING_TEST_PG_URL'];
if (url === undefined || url === '') {
  test('monitor report cost on PostgreSQL', { skip: 'LADING_TEST_PG_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)' }, () => undefined);
} else {
  test('monitor report cost on PostgreSQL: a real `lading serve` logging to the registry\'s schema records its cost at SIGTERM', async () => {
    const fx = await trainFixtureModels();
    const schema = `mon_test_${randomBytes(5).toString('hex')}`;
    const home = mkdtempSync(join(tmpdir(), 'lading-monitor-cost-pg-'));
    const pgFlags = ['--registry-url', url, '--registry-schema', schema];
    try {
      const s = await startServeChild(home, ['--model', fx.a, '--name', 'hs', ...pgFlags]);
      for (let i = 0; i < 20; i++) assert.equal((await classify(s.url, ['LED TV 32 INCH', 'frozen shrimp 10kg'], `pg-cost-${i}`)).status, 200);
      s.child.kill('SIGTERM');
      assert.equal(await s.exited, 0, s.stderr());
      const r = await runVerb(monitorVerb, ['report', '--endpoint', 'hs', '--home', home, '--json', ...pgFlags]);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout) as { variants: Array<{ model: string; version: string; predictions: number }>; cost: CostReport };
      assert.equal(report.variants[0]!.predictions, 40);
      assert.deepEqual(report.cost.unrecorded, []);
      const [cost] = report.cost.versions;
      assert.deepEqual([cost!.model, cost!.version, cost!.texts, cost!.processes], [report.variants[0]!.model, report.variants[0]!.version, 40, 1]);
      assert.ok(cost!.cpuSeconds > 0 && cost!.cpuSecondsPerMillion > 0);
    } finally {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try { await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`); } finally { await client.end(); }
    }
  });
}
