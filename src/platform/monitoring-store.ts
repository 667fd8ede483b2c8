import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings } from '../config/config.js';
import type { MonitoringStore } from '../monitoring/store/monitoring-store.js';
import { openPgMonitoringStore } from '../monitoring/store/postgres/open-monitoring-store.js';
import { openSqliteMonitoringStore } from '../monitoring/store/sqlite/open-monitoring-store.js';
import { createEventPublisher, type PublishOptions } from './event-publisher.js';
import { publishingFeedbackStore } from './publishing-stores.js';

/** Which monitoring store a process uses: plain data, so a writer thread can open its own connection to it. */
export type MonitoringStoreSpec =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string };

/**
 * With a registry URL: `mon_*` tables in the registry's PostgreSQL schema, so every machine serving
 * from a shared registry logs to one place and feedback joins predictions answered anywhere (its own
 * pool, so log appends never queue behind registry queries). Without one: `<home>/monitoring.sqlite`,
 * a file of its own beside the registry's, so the log's writes never wait on registry writes (nor the reverse).
 */
export function monitoringStoreSpec(settings: Pick<Settings, 'home' | 'registryUrl' | 'registrySchema'>): MonitoringStoreSpec {
  if (settings.registryUrl !== undefined && settings.registryUrl !== '') {
    return { kind: 'postgres', url: settings.registryUrl, schema: settings.registrySchema };
  }
  return { kind: 'sqlite', path: join(settings.home, 'monitoring.sqlite') };
}

export async function openMonitoringStore(spec: MonitoringStoreSpec): Promise<MonitoringStore> {
  // Plain data in, a connection of the caller's own out: the log writer thread opens its own this way.
  if (spec.kind === 'postgres') return openPgMonitoringStore({ url: spec.url, schema: spec.schema });
  mkdirSync(join(spec.path, '..'), { recursive: true });
  return openSqliteMonitoringStore(spec.path);
}

export function openPlatformMonitoringStore(settings: Pick<Settings, 'home' | 'registryUrl' | 'registrySchema'>): Promise<MonitoringStore> {
  return openMonitoringStore(monitoringStoreSpec(settings));
}

/**
 * Opens the monitoring store, runs `work`, and always closes it. With `publish`: each feedback batch
 * stored is also published (`feedback.received`), a failure to publish being a warning only.
 */
export async function withMonitoringStore<T>(settings: Pick<Settings, 'home' | 'registryUrl' | 'registrySchema'> & Partial<Pick<Settings, 'busUrl'>>,
  work: (store: MonitoringStore) => Promise<T>, options: { readonly publish?: PublishOptions } = {}): Promise<T> {
  const store = await openPlatformMonitoringStore(settings);
  const events = options.publish === undefined ? undefined : createEventPublisher(settings, options.publish);
  try {
    return await work(events === undefined ? store : publishingFeedbackStore(store, events));
  } finally {
    await store.close();
    await events?.close();
  }
}
