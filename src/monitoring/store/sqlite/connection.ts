import Database from 'better-sqlite3';
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
 */
export function openMonitoringDatabase(file: string): Database.Database {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    migrateMonitoringSqlite(db, file, MONITORING_MIGRATIONS);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}
