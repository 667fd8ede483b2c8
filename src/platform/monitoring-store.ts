import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings } from '../config/config.js';
import { InputError } from '../core/errors.js';
import type { MonitoringStore } from '../monitoring/store/monitoring-store.js';
import { openSqliteMonitoringStore } from '../monitoring/store/sqlite/open-monitoring-store.js';

/** Which monitoring store a process uses: plain data, so a writer thread can open its own connection to it. */
export type MonitoringStoreSpec =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string };

/**
 * `<home>/monitoring.sqlite`, a file of its own beside the registry's, so the log's writes never wait
 * on registry writes (nor the reverse). With a registry URL the log is meant to live in the
 * registry's PostgreSQL schema (`mon_*` tables), but that adapter is not built yet: until it is, each
 * machine logs to its own file under home (README, "Prediction log"), so a shared registry never
 * stops `lading serve` from starting.
 */
export function monitoringStoreSpec(settings: Pick<Settings, 'home' | 'registryUrl' | 'registrySchema'>): MonitoringStoreSpec {
  return { kind: 'sqlite', path: join(settings.home, 'monitoring.sqlite') };
}

export async function openMonitoringStore(spec: MonitoringStoreSpec): Promise<MonitoringStore> {
  if (spec.kind === 'postgres') {
    // The PostgreSQL adapter (monitoring/store/postgres/) is not merged yet; until then say so plainly.
    throw new InputError('monitoring-store-unavailable', 'the prediction log has no PostgreSQL store yet (--registry-url)', { registrySchema: spec.schema },
      'Serve with --no-log for now, or without --registry-url to log to <home>/monitoring.sqlite.');
  }
  mkdirSync(join(spec.path, '..'), { recursive: true });
  return openSqliteMonitoringStore(spec.path);
}

export function openPlatformMonitoringStore(settings: Pick<Settings, 'home' | 'registryUrl' | 'registrySchema'>): Promise<MonitoringStore> {
  return openMonitoringStore(monitoringStoreSpec(settings));
}

/** Opens the monitoring store, runs `work`, and always closes it. */
export async function withMonitoringStore<T>(settings: Pick<Settings, 'home' | 'registryUrl' | 'registrySchema'>, work: (store: MonitoringStore) => Promise<T>): Promise<T> {
  const store = await openPlatformMonitoringStore(settings);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
