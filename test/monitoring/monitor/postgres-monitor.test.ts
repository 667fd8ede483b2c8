import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { verb as monitorVerb } from '../../../src/cli/monitor.js';
import { openMonitoringStore } from '../../../src/platform/index.js';
import { runVerb } from '../../helpers/run-cli.js';
import { prediction } from '../store/fixtures.js';

// Only test files read the environment. Locally: LADING_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test
const url = process.env['LADING_TEST_PG_URL'];
if (url === undefined || url === '') {
  test('monitor run on PostgreSQL', { skip: 'LADING_TEST_PG_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)' }, () => undefined);
} else {
  test('monitor run on PostgreSQL: the log and the alert history in the registry\'s schema, the state file under home', async () => {
    const schema = `mon_test_${randomBytes(5).toString('hex')}`;
    const home = mkdtempSync(join(tmpdir(), 'lading-monitor-pg-'));
    const project = join(home, 'lading.yaml');
    // The fixture rows are from 2023: a rows window sees them where a time window would not. Latencies are 1.25..200 ms.
    writeFileSync(project, "monitoring:\n  alerts:\n    - {name: slow, metric: latency_p99_ms, window: 1000, comparison: '>', threshold: 50}\n");
    const store = await openMonitoringStore({ kind: 'postgres', url, schema });
    try {
      await store.appendPredictions(Array.from({ length: 200 }, (_, i) => prediction(i)));
      const run = () => runVerb(monitorVerb, ['run', '--once', '--json', '--home', home, '--project', project, '--registry-url', url, '--registry-schema', schema]);
      const first = await run();
      assert.equal(first.code, 0, first.stderr);
      const alerts = first.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; rule?: string; state?: string }).filter((e) => e.type === 'alert');
      assert.deepEqual(alerts.map((a) => `${a.rule}:${a.state}`), ['slow:fired']);
      const again = await run();
      assert.equal(again.code, 0, again.stderr);
      assert.ok(!again.stdout.includes('"type":"alert"'), 'restored from the state file: not fired again');
      assert.deepEqual((await store.listAlertEvents({ endpoint: 'hs' })).map((e) => `${e.rule}:${e.state}`), ['slow:fired']);
    } finally {
      await store.close();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try { await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`); } finally { await client.end(); }
    }
  });
}
