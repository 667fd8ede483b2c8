import type { ReviewQueue } from '../review-queue.js';
import { openReviewDatabase } from './connection.js';
import { SqliteReviewQueue } from './review-queue.js';

/** The review queue in a SQLite file of its own (e.g. <home>/review.sqlite), created and migrated on first open. */
export function openSqliteReviewQueue(path: string): ReviewQueue {
  return new SqliteReviewQueue(openReviewDatabase(path));
}
