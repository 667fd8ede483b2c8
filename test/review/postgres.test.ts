import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';
import { openPgReviewQueue } from '../../src/review/postgres/open-review-queue.js';
import { reviewQueueContract } from './review-queue-contract.js';

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
