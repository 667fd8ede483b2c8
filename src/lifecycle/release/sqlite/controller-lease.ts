import type Database from 'better-sqlite3';
import { DEFAULT_LEASE_MS, type ControllerLease } from '../controller-lease.js';

/**
 * The lease as one row of the controller's SQLite file. Taking it is one immediate transaction
 * (SQLite's single writer makes the read-then-write atomic across processes); a holder that stops
 * renewing loses it `ttlMs` later, so a standby polling every second takes over within ttl + 1 s.
 */
export class SqliteControllerLease implements ControllerLease {
  constructor(private readonly db: Database.Database, readonly me: string, private readonly ttlMs = DEFAULT_LEASE_MS, private readonly name = 'controller') {}

  async acquire(now: number): Promise<boolean> {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT holder, epoch, expires_at FROM controller_lease WHERE name = ?').get(this.name) as { holder: string; epoch: number; expires_at: number } | undefined;
      if (row && row.holder !== this.me && row.expires_at > now) return false;
      const epoch = row === undefined ? 1 : row.holder === this.me ? row.epoch : row.epoch + 1;
      this.db.prepare(`INSERT INTO controller_lease (name, holder, epoch, expires_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, epoch = excluded.epoch, expires_at = excluded.expires_at`)
        .run(this.name, this.me, epoch, now + this.ttlMs);
      return true;
    }).immediate();
  }

  async holder(now: number): Promise<string | null> {
    const row = this.db.prepare('SELECT holder, expires_at FROM controller_lease WHERE name = ?').get(this.name) as { holder: string; expires_at: number } | undefined;
    return row && row.expires_at > now ? row.holder : null;
  }

  async release(): Promise<void> {
    if (this.db.open) this.db.prepare('UPDATE controller_lease SET expires_at = 0 WHERE name = ? AND holder = ?').run(this.name, this.me);
  }

  /** Closes the lease's own connection (after release()). */
  close(): void {
    if (this.db.open) this.db.close();
  }
}
