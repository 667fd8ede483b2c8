import type Database from 'better-sqlite3';
import { ConflictError } from '../../core/errors.js';

/**
 * The embedded bus's own file (`<home>/bus.sqlite`), so event traffic never holds the registry's or
 * the prediction log's write lock. Its schema version lives in SQLite's `user_version`; a change
 * adds the next entry here, never edits a shipped one.
 *
 * bus_events: every event once (the UNIQUE id is the de-duplication), `seq` its position.
 * bus_durables: a durable subscription's options and `cursor`: every event at or below it was
 *   handed out to this durable (or did not match its subjects).
 * bus_pending: per durable, the events handed out and not acked yet: `due_at` is when it may be
 *   delivered again (the ackWait lease, or a nak's delay); `dead_at` once given up on. An ack
 *   deletes the row, so the table holds only what is in flight and the dead.
 */
const BUS_SCHEMA: readonly string[] = [
  `CREATE TABLE bus_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    subject TEXT NOT NULL,
    time INTEGER NOT NULL,
    event TEXT NOT NULL,
    published_at INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE bus_durables (
    name TEXT PRIMARY KEY,
    subjects TEXT NOT NULL CHECK (json_valid(subjects)),
    ack_wait_ms INTEGER NOT NULL CHECK (ack_wait_ms > 0),
    max_deliver INTEGER NOT NULL CHECK (max_deliver >= 1),
    cursor INTEGER NOT NULL CHECK (cursor >= 0),
    updated_at INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE bus_pending (
    durable TEXT NOT NULL,
    seq INTEGER NOT NULL,
    delivery_count INTEGER NOT NULL CHECK (delivery_count >= 1),
    due_at INTEGER NOT NULL,
    dead_at INTEGER,
    PRIMARY KEY (durable, seq)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX bus_pending_due ON bus_pending (durable, due_at) WHERE dead_at IS NULL;`,
];

/**
 * Brings the file's schema up to date inside one immediate transaction, so two processes opening a
 * fresh file at once do not both create it.
 */
export function migrateBusSchema(db: Database.Database, file: string): void {
  db.transaction(() => {
    const at = db.pragma('user_version', { simple: true }) as number;
    if (at > BUS_SCHEMA.length) {
      throw new ConflictError('bus-too-new', `${file} has bus schema version ${at}; this lading knows up to ${BUS_SCHEMA.length}: it was written by a newer version`,
        { file, version: at }, 'Upgrade lading, or use another --home.');
    }
    for (let v = at; v < BUS_SCHEMA.length; v++) db.exec(BUS_SCHEMA[v]!);
    // PRAGMA takes no bound parameters; the value is a number this code computed.
    db.pragma(`user_version = ${BUS_SCHEMA.length}`);
  }).immediate();
}
