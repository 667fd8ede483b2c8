import Database from 'better-sqlite3';
import { ConflictError } from '../../core/errors.js';
import { REVIEW_MIGRATIONS_SQLITE } from './review-schema.js';

/**
 * Opens (creating if absent) the review database, a file of its own (<home>/review.sqlite): the
 * observer's batches never wait for the prediction log's write lock nor the reverse, and its schema
 * moves on its own. WAL so listing never waits for a write. synchronous=NORMAL for routed texts
 * (a power loss may lose the last batches, never half of one; they are also in the prediction log);
 * answers, a person's work that cannot be recomputed, switch to FULL for their transaction
 * (SqliteReviewQueue, as the monitoring store's feedback does).
 * Migrations run in one immediate transaction each, so two processes opening a new file do not both apply one.
 */
export function openReviewDatabase(file: string): Database.Database {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    const applied = () => db.pragma('user_version', { simple: true }) as number;
    if (applied() > REVIEW_MIGRATIONS_SQLITE.length) {
      throw new ConflictError('review-store-too-new', `${file} has review schema version ${applied()}, which this lading does not know: it was written by a newer version`,
        { file, version: applied() }, 'Upgrade lading, or point it at another home.');
    }
    REVIEW_MIGRATIONS_SQLITE.forEach((sql, i) => {
      db.transaction(() => {
        if (applied() > i) return;
        db.exec(sql);
        db.pragma(`user_version = ${i + 1}`);
      }).immediate();
    });
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}
