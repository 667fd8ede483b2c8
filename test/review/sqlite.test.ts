import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteReviewQueue } from '../../src/review/sqlite/open-review-queue.js';
import { reviewQueueContract } from './review-queue-contract.js';

reviewQueueContract('SQLite (temp file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-review-'));
  const file = join(dir, 'review.sqlite');
  return {
    queue: openSqliteReviewQueue(file),
    reopen: async () => openSqliteReviewQueue(file),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
