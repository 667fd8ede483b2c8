import Database from 'better-sqlite3';
import { migrateSqlite } from './migrate.js';
import { MIGRATIONS, type Migration } from './migrations.js';

/**
 * Opens (creating if absent) the workspace database with the settings every SQLite adapter relies
 * on, and brings its schema up to date. One connection is shared by the dataset and model parts
 * of the registry. Another part with tables of its own in the file (the taxonomy store) opens its own
 * connection with its migrations and their ledger table.
 */
export function openSqliteDatabase(file: string, migrations: readonly Migration[] = MIGRATIONS, ledger?: string): Database.Database {
  const db = new Database(file);
  try {
    // WAL: readers never wait for the one writer. WAL + NORMAL survives process crashes and
    // cannot corrupt the file on power loss (the last commits may be lost, never half-applied).
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    migrateSqlite(db, file, migrations, ledger);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}
