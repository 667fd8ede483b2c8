import { join } from 'node:path';
import { DEFAULT_LEASE_MS } from '../../../src/lifecycle/release/controller-lease.js';
import { SqliteControllerLease } from '../../../src/lifecycle/release/sqlite/controller-lease.js';
import { openSqliteReleaseDatabase } from '../../../src/lifecycle/release/sqlite/release-store.js';

/**
 * Lets the lease of a SIGKILLed controller run out now instead of in 5 s: a bystander takes it as
 * if the expiry had passed, then gives it up. Only through the lease's own API, so the lease a
 * restarted controller finds is exactly the one an expired holder leaves behind.
 */
export async function expireControllerLease(home: string): Promise<void> {
  const lease = new SqliteControllerLease(openSqliteReleaseDatabase(join(home, 'controller.sqlite')), 'test-clock');
  try {
    if (!(await lease.acquire(Date.now() + DEFAULT_LEASE_MS + 1))) throw new Error('the lease did not expire');
    await lease.release();
  } finally {
    lease.close();
  }
}
