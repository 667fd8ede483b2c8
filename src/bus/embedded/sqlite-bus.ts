import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { encodeEvent, type LifecycleEvent } from '../../core/lifecycle-events.js';
import type { Bus, PublishResult, SubscribeOptions, Subscription } from '../bus.js';
import { durableOptions } from '../subscribe-options.js';
import { migrateBusSchema } from './schema.js';
import { SqliteSubscription } from './sqlite-subscription.js';
import { wakeWaiters } from './wake.js';

export interface SqliteBusOptions {
  /**
   * How often a waiting subscription looks for events published by another process (one in this
   * process wakes it at once). The most a cross-process delivery waits; default 50 ms.
   */
  readonly pollMs?: number;
}

/**
 * The embedded bus: events and durable consumer state in a SQLite file, so a restart resumes where
 * it stopped and nothing needs installing. Safe with several processes on one file: every claim of
 * events is one immediate transaction (the write lock), so one event goes to one holder of a durable
 * at a time, and a holder that dies simply lets its lease (ackWait) expire.
 *
 * WAL with synchronous=NORMAL, as the other workspace files: a killed process loses nothing that
 * was committed; a power loss may lose the last commits, never half of one.
 */
export class SqliteBus implements Bus {
  readonly kind = 'embedded';
  private readonly db: Database.Database;
  private readonly file: string;
  private readonly pollMs: number;
  private readonly subscriptions = new Set<SqliteSubscription>();
  private readonly insert;
  private readonly seqOfId;
  private closed = false;

  constructor(file: string, options: SqliteBusOptions = {}) {
    this.file = resolve(file);
    this.pollMs = options.pollMs ?? 50;
    mkdirSync(dirname(this.file), { recursive: true });
    const db = new Database(this.file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
      migrateBusSchema(db, this.file);
    } catch (e) {
      db.close();
      throw e;
    }
    this.db = db;
    this.insert = db.prepare('INSERT INTO bus_events (id, subject, time, event, published_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING');
    this.seqOfId = db.prepare<[string], { seq: number }>('SELECT seq FROM bus_events WHERE id = ?');
  }

  async publish(event: LifecycleEvent): Promise<PublishResult> {
    this.checkOpen();
    const text = encodeEvent(event);
    const r = this.insert.run(event.id, event.subject, event.time, text, Date.now());
    if (r.changes === 0) return { seq: this.seqOfId.get(event.id)!.seq, duplicate: true };
    wakeWaiters(this.file);
    return { seq: Number(r.lastInsertRowid), duplicate: false };
  }

  async subscribe(durableName: string, options?: SubscribeOptions): Promise<Subscription> {
    this.checkOpen();
    const opts = durableOptions(durableName, options);
    const now = Date.now();
    this.db.transaction(() => {
      const exists = this.db.prepare('SELECT 1 FROM bus_durables WHERE name = ?').get(durableName) !== undefined;
      const last = (this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS last FROM bus_events').get() as { last: number }).last;
      const cursor = opts.deliverFrom === 'new' ? last : opts.deliverFrom === undefined ? 0 : opts.deliverFrom - 1;
      if (!exists) {
        this.db.prepare('INSERT INTO bus_durables (name, subjects, ack_wait_ms, max_deliver, cursor, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(durableName, JSON.stringify(opts.subjects), opts.ackWaitMs, opts.maxDeliver, cursor, now);
        return;
      }
      this.db.prepare('UPDATE bus_durables SET subjects = ?, ack_wait_ms = ?, max_deliver = ?, updated_at = ? WHERE name = ?')
        .run(JSON.stringify(opts.subjects), opts.ackWaitMs, opts.maxDeliver, now, durableName);
      if (opts.deliverFrom !== undefined) {
        // Replay: everything before the position counts as acked, everything from it is new again.
        this.db.prepare('DELETE FROM bus_pending WHERE durable = ?').run(durableName);
        this.db.prepare('UPDATE bus_durables SET cursor = ? WHERE name = ?').run(cursor, durableName);
      }
    }).immediate();
    const sub = new SqliteSubscription(this.db, this.file, durableName, this.pollMs, () => this.subscriptions.delete(sub));
    this.subscriptions.add(sub);
    return sub;
  }

  async deleteDurable(durableName: string): Promise<void> {
    this.checkOpen();
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM bus_pending WHERE durable = ?').run(durableName);
      this.db.prepare('DELETE FROM bus_durables WHERE name = ?').run(durableName);
    }).immediate();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    this.db.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`the embedded bus on ${this.file} is closed`);
  }
}
