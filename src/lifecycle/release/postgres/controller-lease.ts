import { createHash } from 'node:crypto';
import type pg from 'pg';
import { loadPg } from '../../../core/lazy-pg.js';
import { checkSchemaName } from '../../../registry/postgres/connection.js';
import type { ControllerLease } from '../controller-lease.js';

/** pg_advisory_lock class of the controller lease (migrations use 0x1ad1..0x1ad3). */
export const LEASE_LOCK_CLASS = 0x1ad4;

/**
 * The lock's second key: a 31-bit number from schema and lease name, computed here rather than by
 * hashtext() so it is never negative and reads back unchanged from pg_locks.objid (an oid).
 */
export function leaseLockKey(schema: string, name: string): number {
  return createHash('sha256').update(`${schema}\u0000${name}`).digest().readUInt32BE(0) & 0x7fffffff;
}

export interface PgLeaseOptions {
  readonly url: string;
  readonly schema: string;
  /** Who this process is, e.g. host:pid (what holder() reports). */
  readonly me: string;
  /** Which lease (default `controller`): one per schema and name. */
  readonly name?: string;
  /** How the dedicated connection is made; tests pass one that keeps the client to kill it. */
  readonly connect?: () => Promise<pg.Client>;
}

/**
 * The lease as a session-level advisory lock held on a connection of its own (never a pooled one,
 * which would hand the session, and so the lock, to other work). The server drops the lock the
 * moment that connection ends, so when the holder's process dies a standby polling every second
 * takes over within a second or so: no expiry to wait out. A dead connection on the holder's side
 * is noticed on its next acquire(), which then answers false and reconnects.
 *
 * Not covered: a holder whose network is cut while its process lives. Its server session ends only
 * when the server's TCP keepalive notices, so the standby may wait that long; the holder's next
 * acquire() fails within its query timeout (5 s), so it stops acting after the tick under way.
 * As with the SQLite lease, a tick under way when the lease is lost finishes: the releases' rev
 * checks (release-store.ts) keep two controllers from both moving one release.
 */
export class PgControllerLease implements ControllerLease {
  private client: pg.Client | undefined;
  private held = false;
  private readonly name: string;
  private readonly key: number;

  constructor(private readonly options: PgLeaseOptions) {
    this.name = options.name ?? 'controller';
    this.key = leaseLockKey(checkSchemaName(options.schema), this.name);
  }

  async acquire(now: number): Promise<boolean> {
    try {
      const c = await this.connection();
      if (this.held) {
        // The lock lives as long as this session: a live session still holds it.
        await c.query('SELECT 1');
        return true;
      }
      const got = (await c.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS got', [LEASE_LOCK_CLASS, this.key])).rows[0]!.got;
      if (!got) return false;
      await c.query(`INSERT INTO lc_controller_lease (name, holder, backend_pid, since) VALUES ($1, $2, pg_backend_pid(), $3)
        ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, backend_pid = excluded.backend_pid, since = excluded.since`, [this.name, this.options.me, now]);
      this.held = true;
      return true;
    } catch (e) {
      await this.drop();
      // The connection broke (or the server is gone): whatever this session held is gone with it,
      // so this process waits as a standby. Anything else (a missing table, no permission) is a
      // fault to report, not a reason to wait quietly forever.
      if (lostConnection(e)) return false;
      throw e;
    }
  }

  async holder(_now: number): Promise<string | null> {
    try {
      const c = await this.connection();
      // The row names who took the lock last; it counts only while that server process still holds the lock.
      const r = await c.query<{ holder: string }>(`SELECT l.holder FROM lc_controller_lease l
        JOIN pg_locks k ON k.pid = l.backend_pid AND k.locktype = 'advisory' AND k.granted AND k.classid = $2::oid AND k.objid = $3::oid AND k.objsubid = 2
        WHERE l.name = $1`, [this.name, LEASE_LOCK_CLASS, this.key]);
      return r.rows[0]?.holder ?? null;
    } catch (e) {
      // Reconnect on the next call rather than fail on a dead connection forever.
      await this.drop();
      throw e;
    }
  }

  async release(): Promise<void> {
    if (!this.held || this.client === undefined) return;
    this.held = false;
    try {
      await this.client.query('SELECT pg_advisory_unlock($1, $2)', [LEASE_LOCK_CLASS, this.key]);
    } catch {
      await this.drop();
    }
  }

  /** Ends the dedicated connection (which releases the lock if still held). */
  async close(): Promise<void> {
    this.held = false;
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const c = this.options.connect ? await this.options.connect() : await connectLeaseClient(this.options.url, this.options.schema);
    // A broken connection must not crash the process: the next acquire() sees it and answers false.
    c.on('error', () => { if (this.client === c) this.held = false; });
    c.on('end', () => { if (this.client === c) { this.client = undefined; this.held = false; } });
    this.client = c;
    return c;
  }

  private async drop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    this.held = false;
    if (c) {
      // end() on a broken socket may never settle; do not wait for it.
      void c.end().catch(() => undefined);
    }
  }
}

/** A plain client (not pooled) in the registry's schema, with timeouts so a hung server cannot stall a tick. */
export async function connectLeaseClient(url: string, schema: string): Promise<pg.Client> {
  const c = new (loadPg().Client)({
    connectionString: url, options: `-c search_path=${checkSchemaName(schema)}`, application_name: 'lading-controller',
    connectionTimeoutMillis: 5_000, query_timeout: 5_000, keepAlive: true,
  });
  await c.connect();
  return c;
}

/**
 * A failure of the connection rather than of the statement: errors the driver or the socket raise
 * (no SQLSTATE), and the server's connection-exception (08...) and shutdown/termination (57P0x) codes.
 */
export function lostConnection(e: unknown): boolean {
  if (!(e instanceof loadPg().DatabaseError)) return true;
  return e.code === undefined || e.code.startsWith('08') || /^57P0[1-3]$/.test(e.code);
}
