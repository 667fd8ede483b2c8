import type { ReviewQueue } from '../review-queue.js';
import { migrateReviewPg, openReviewPool } from './connection.js';
import { PgReviewQueue } from './review-queue.js';

/**
 * The review queue as `rev_*` tables in a PostgreSQL schema (the registry's, so every serving
 * machine routes into one queue and brokers see one list). Creates the schema and applies pending
 * migrations first, under an advisory lock.
 */
export async function openPgReviewQueue(options: { readonly url: string; readonly schema: string }): Promise<ReviewQueue> {
  const pool = openReviewPool(options.url, options.schema);
  try {
    await migrateReviewPg(pool, options.schema);
  } catch (e) {
    await pool.end();
    throw e;
  }
  return new PgReviewQueue(pool);
}
