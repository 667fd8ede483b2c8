import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';
import { trainFixtureModels } from '../../serving/fixtures.js';
import { classify, infer, postFeedback, serveModel } from '../serving-fixture.js';

// Only test files read the environment. Locally: LADING_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test
const url = process.env['LADING_TEST_PG_URL'];

if (url === undefined || url === '') {
  test('prediction log on PostgreSQL', { skip: 'LADING_TEST_PG_URL is not set (.ci/run sets it)' }, () => undefined);
} else {
  const fx = await trainFixtureModels();
  test('prediction log on PostgreSQL: REST and OIP answers are logged through the writer thread, feedback joins', async () => {
    const schema = `log_test_${randomBytes(4).toString('hex')}`;
    const s = await serveModel(fx.a, { registryUrl: url, registrySchema: schema, logFlushMs: 50 });
    try {
      assert.equal((await classify(s.url, ['500 CTNS PLASTIC CUPS', 'LED TV 32 INCH'], 'pg-1')).status, 200);
      assert.equal((await infer(s.url, ['frozen shrimp 10kg'], 'pg-2')).status, 200);
      const fb = await postFeedback(s.url, { items: [{ requestId: 'pg-1', position: 1, label: '8528.72' }] });
      assert.equal(fb.status, 201, JSON.stringify(fb.body));
      assert.equal(fb.body['joinedById'], 1);
      assert.equal(await s.log!.store.countPredictions({ endpoint: 'hs' }), 3);
      assert.equal((await s.log!.store.findByRequestId('pg-2'))?.text, 'frozen shrimp 10kg');
      assert.equal((await s.log!.store.findByRequestId('pg-1', 1))?.topK.length, 5);
    } finally {
      await s.close();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  });
}
