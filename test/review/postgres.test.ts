import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';
import { openPgReviewQueue } from '../../src/review/postgres/open-review-queue.js';
import { reviewQueueContract, routed } from './review-queue-contract.js';

// Only test files read the environment. Locally: LADING_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test
const url = process.env['LADING_TEST_PG_URL'];
if (url === undefined || url === '') {
  test('review queue contract: PostgreSQL', { skip: 'LADING_TEST_PG_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)' }, () => undefined);
} else {
  // A fresh schema per queue under test, dropped by cleanup, so parallel runs never collide.
  reviewQueueContract('PostgreSQL (fresh schema)', async () => {
    const schema = `rev_test_${randomBytes(5).toString('hex')}`;
    return {
      queue: await openPgReviewQueue({ url, schema }),
      reopen: () => openPgReviewQueue({ url, schema }),
      cleanup: async () => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } finally {
          await client.end();
        }
      },
    };
  });
}

if (url !== undefined && url !== '') {
  test('platform: with a registry URL the queue is the rev_* tables of the registry schema', async () => {
    const { withReviewQueue } = await import('../../src/platform/index.js');
    const schema = `rev_test_${randomBytes(5).toString('hex')}`;
    const settings = { home: '/nonexistent-home-not-used', registryUrl: url, registrySchema: schema };
    try {
      await withReviewQueue(settings, (q) => q.enqueue([routed('shared queue')]));
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ text: string }>(`SELECT text FROM ${schema}.rev_items`);
        assert.deepEqual(rows.map((r) => r.text), ['shared queue']);
      } finally {
        await client.end();
      }
    } finally {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try { await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`); } finally { await client.end(); }
    }
  });
}
