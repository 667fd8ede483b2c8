/**
 * Only one controller acts at a time. Others wait, and take over when the holder dies: on SQLite a
 * lease row with an expiry the holder keeps renewing (sqlite/controller-lease.ts), on PostgreSQL a
 * session advisory lock, which the server drops with the holder's connection.
 */
export interface ControllerLease {
  /** Takes the lease if free or expired, or renews it if held; true while this process holds it. */
  acquire(now: number): Promise<boolean>;
  /** Who holds it now (for `lading controller` status lines), null when nobody does. */
  holder(now: number): Promise<string | null>;
  /** Gives it up at once, so a standby takes over without waiting for the expiry. */
  release(): Promise<void>;
}

/** How long a lease lasts without renewal; the loop renews every tick (at most a third of this). */
export const DEFAULT_LEASE_MS = 5_000;
