import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings } from '../config/config.js';
import type { ControllerLease } from '../lifecycle/release/controller-lease.js';
import { PgControllerLease } from '../lifecycle/release/postgres/controller-lease.js';
import { openPgReleaseStore } from '../lifecycle/release/postgres/release-store.js';
import type { ReleaseStore } from '../lifecycle/release/release-record.js';
import { SqliteControllerLease } from '../lifecycle/release/sqlite/controller-lease.js';
import { describePgUrl } from '../registry/postgres/open-workspace.js';
import { openSqliteReleaseDatabase, SqliteReleaseStore } from '../lifecycle/release/sqlite/release-store.js';

export interface ReleaseStorage {
  readonly releases: ReleaseStore;
  /** The single-controller lease, held under the name given to openReleaseStorage. */
  readonly lease: ControllerLease;
  /** Where it lives, for messages: the SQLite file or the PostgreSQL URL (no password) and schema. */
  readonly where: string;
  /** Gives the lease up (a standby takes over at once) and closes both connections. */
  close(): Promise<void>;
}

/**
 * Releases and the controller lease. With a registry URL: lc_* tables in the registry's PostgreSQL
 * schema and a session advisory lock, so controllers on several machines share one set of releases
 * and exactly one of them acts (a standby takes over within about a second of the holder's death).
 * Without one: `<home>/controller.sqlite`, with a lease row that expires.
 */
export async function openReleaseStorage(settings: Pick<Settings, 'home' | 'registryUrl' | 'registrySchema'>, holder: string): Promise<ReleaseStorage> {
  if (settings.registryUrl !== undefined && settings.registryUrl !== '') {
    const url = settings.registryUrl;
    const releases = await openPgReleaseStore({ url, schema: settings.registrySchema });
    const lease = new PgControllerLease({ url, schema: settings.registrySchema, me: holder });
    return {
      releases, lease, where: describePgUrl(url, settings.registrySchema),
      async close() {
        await lease.release().catch(() => undefined);
        await lease.close();
        await releases.close();
      },
    };
  }
  mkdirSync(settings.home, { recursive: true });
  const file = join(settings.home, 'controller.sqlite');
  const releases = new SqliteReleaseStore(openSqliteReleaseDatabase(file));
  // Its own connection, as the lease is taken in immediate transactions beside the store's.
  const lease = new SqliteControllerLease(openSqliteReleaseDatabase(file), holder);
  return {
    releases, lease, where: file,
    async close() {
      await lease.release();
      lease.close();
      await releases.close();
    },
  };
}
