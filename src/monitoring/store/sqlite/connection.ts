import Database from 'better-sqlite3';
import { requestKey, textKey } from '../lookup-keys.js';
import { migrateMonitoringSqlite } from './migrate.js';
import { MONITORING_MIGRATIONS } from './migrations.js';

/**
 * Opens (creating if absent) the monitoring database: a file of its own beside the registry's, so
 * a busy prediction log never holds the write lock the registry needs.
 *
 * WAL: readers (drift reports, dashboards) never wait for the log writer. synchronous=NORMAL: a
 * commit is not fsynced, only the checkpoint is; a crash of the process loses nothing, a power
 * loss may lose the last commits but never leaves one half-applied. That is the right price for
 * the prediction log (the hot path); feedback asks for more (see SqliteFeedbackStore).
 *
 * cache_size 64 MiB (default 2 MiB) keeps the B-tree pages an append and a lookup catch-up touch
 * in memory; wal_autocheckpoint 16,000 pages (64 MiB of WAL, default 1,000) checkpoints less often,
 * so a page rewritten by many commits is copied back to the file once. The previous measurement of
 * both (with multi-row INSERTs): 16-22k -> 28-39k rows/s with the old string indexes.
 *
 * lading_request_key / lading_text_key are store/lookup-keys.ts, so SQL indexing rows (the lookup
 * catch-up) computes exactly the keys the JS lookups ask for.
 */
export function openMonitoringDatabase(file: string): Database.Database {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('cache_size = -65536');
    db.pragma('wal_autocheckpoint = 16000');
    db.function('lading_request_key', { deterministic: true }, (requestId: unknown, position: unknown) => requestKey(String(requestId), Number(position)));
    db.function('lading_text_key', { deterministic: true }, (endpoint: unknown, sha: unknown) => textKey(String(endpoint), String(sha)));
    migrateMonitoringSqlite(db, file, MONITORING_MIGRATIONS);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}
