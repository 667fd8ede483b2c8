import type Database from 'better-sqlite3';
import { ConflictError } from '../../core/errors.js';
import { decodeEvent } from '../../core/lifecycle-events.js';
import type { DeadLetter, Delivery, Subscription } from '../bus.js';
import { iterateDeliveries } from '../delivery-iterator.js';
import { checkNextArgs } from '../subscribe-options.js';
import { matchesAny } from '../subject-filter.js';
import { waitForEvents } from './wake.js';

interface DurableRow { subjects: string; ack_wait_ms: number; max_deliver: number; cursor: number }
interface Claimed { seq: number; deliveryCount: number }

/** New events examined per claim at most: bounds how long one claim holds the write lock. */
const SCAN_LIMIT = 2000;

/**
 * One open durable subscription on the embedded bus. The durable's state lives in the tables, not
 * here, so a reopened subscription (this process or another, after a crash) carries on from it;
 * its options are read at every claim, as another process may have changed them.
 */
export class SqliteSubscription implements Subscription {
  private readonly stop = new AbortController();
  private readonly statements;

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    readonly durableName: string,
    private readonly pollMs: number,
    private readonly onClose: () => void,
  ) {
    this.statements = {
      durable: db.prepare<[string], DurableRow>('SELECT subjects, ack_wait_ms, max_deliver, cursor FROM bus_durables WHERE name = ?'),
      due: db.prepare<[string, number, number], { seq: number; delivery_count: number }>(
        'SELECT seq, delivery_count FROM bus_pending WHERE durable = ? AND dead_at IS NULL AND due_at <= ? ORDER BY seq LIMIT ?'),
      bury: db.prepare('UPDATE bus_pending SET dead_at = ? WHERE durable = ? AND seq = ?'),
      lease: db.prepare('UPDATE bus_pending SET delivery_count = ?, due_at = ? WHERE durable = ? AND seq = ?'),
      fresh: db.prepare<[number, number], { seq: number; subject: string }>('SELECT seq, subject FROM bus_events WHERE seq > ? ORDER BY seq LIMIT ?'),
      hand: db.prepare('INSERT INTO bus_pending (durable, seq, delivery_count, due_at) VALUES (?, ?, 1, ?)'),
      advance: db.prepare('UPDATE bus_durables SET cursor = ? WHERE name = ?'),
      event: db.prepare<[number], { event: string }>('SELECT event FROM bus_events WHERE seq = ?'),
      // A missing durable counts as work, so the claim runs and says it was deleted.
      work: db.prepare<[string, string, number], { work: number }>(`SELECT EXISTS (SELECT 1 FROM bus_events WHERE seq > COALESCE((SELECT cursor FROM bus_durables WHERE name = ?), -1))
        OR EXISTS (SELECT 1 FROM bus_pending WHERE durable = ? AND dead_at IS NULL AND due_at <= ?) AS work`),
      nextDue: db.prepare<[string], { due: number | null }>('SELECT MIN(due_at) AS due FROM bus_pending WHERE durable = ? AND dead_at IS NULL'),
      ack: db.prepare('DELETE FROM bus_pending WHERE durable = ? AND seq = ? AND dead_at IS NULL'),
      nak: db.prepare('UPDATE bus_pending SET due_at = ? WHERE durable = ? AND seq = ? AND delivery_count = ? AND dead_at IS NULL'),
      dead: db.prepare<[string], { seq: number; delivery_count: number }>(
        'SELECT seq, delivery_count FROM bus_pending WHERE durable = ? AND dead_at IS NOT NULL ORDER BY seq'),
    };
  }

  async next(batch: number, timeoutMs: number): Promise<Delivery[]> {
    checkNextArgs(batch, timeoutMs);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.stop.signal.aborted) return [];
      // Look first without the write lock: an idle subscription polling must not queue behind publishers.
      const claimed = this.statements.work.get(this.durableName, this.durableName, Date.now())!.work === 1 ? this.claim(batch) : [];
      if (claimed.length > 0) return claimed.map((c) => this.delivery(c));
      const now = Date.now();
      if (now >= deadline) return [];
      const due = this.statements.nextDue.get(this.durableName)?.due ?? Infinity;
      await waitForEvents(this.file, Math.min(deadline, now + this.pollMs, due) - now, this.stop.signal);
    }
  }

  /**
   * One immediate transaction: redeliver what is due (burying what has had maxDeliver deliveries),
   * then hand out new matching events past the cursor, leasing each for ackWait.
   */
  private claim(batch: number): Claimed[] {
    const s = this.statements;
    return this.db.transaction(() => {
      const durable = s.durable.get(this.durableName);
      if (durable === undefined) {
        throw new ConflictError('durable-deleted', `the durable subscription ${this.durableName} was deleted`, { durable: this.durableName });
      }
      const now = Date.now();
      const out: Claimed[] = [];
      for (const row of s.due.all(this.durableName, now, batch)) {
        if (row.delivery_count >= durable.max_deliver) {
          s.bury.run(now, this.durableName, row.seq);
          continue;
        }
        s.lease.run(row.delivery_count + 1, now + durable.ack_wait_ms, this.durableName, row.seq);
        out.push({ seq: row.seq, deliveryCount: row.delivery_count + 1 });
      }
      if (out.length >= batch) return out;
      const subjects = JSON.parse(durable.subjects) as string[];
      let cursor = durable.cursor;
      for (const row of s.fresh.all(cursor, SCAN_LIMIT)) {
        cursor = row.seq;
        if (!matchesAny(subjects, row.subject)) continue;
        s.hand.run(this.durableName, row.seq, now + durable.ack_wait_ms);
        out.push({ seq: row.seq, deliveryCount: 1 });
        if (out.length >= batch) break;
      }
      if (cursor !== durable.cursor) s.advance.run(cursor, this.durableName);
      return out;
    }).immediate();
  }

  private delivery({ seq, deliveryCount }: Claimed): Delivery {
    const event = decodeEvent(this.statements.event.get(seq)!.event);
    return {
      seq, deliveryCount, event,
      ack: async () => { this.statements.ack.run(this.durableName, seq); },
      nak: async (delayMs = 0) => { this.statements.nak.run(Date.now() + Math.max(0, delayMs), this.durableName, seq, deliveryCount); },
    };
  }

  async deadLetters(): Promise<DeadLetter[]> {
    return this.statements.dead.all(this.durableName).map((r) => ({ seq: r.seq, deliveryCount: r.delivery_count }));
  }

  async close(): Promise<void> {
    if (this.stop.signal.aborted) return;
    this.stop.abort();
    this.onClose();
  }

  [Symbol.asyncIterator](): AsyncIterator<Delivery> {
    return iterateDeliveries((b, t) => this.next(b, t), () => this.stop.signal.aborted);
  }
}
