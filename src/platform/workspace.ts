import { join } from 'node:path';
import type { Settings } from '../config/config.js';
import { computeDatasetStats } from '../data/dataset-stats.js';
import { openPgWorkspace } from '../registry/postgres/open-workspace.js';
import { openSqliteWorkspace } from '../registry/sqlite/open-workspace.js';
import { fourEyesWorkspace } from '../registry/four-eyes.js';
import type { Workspace } from '../registry/workspace.js';
import { createEventPublisher, type PublishOptions } from './event-publisher.js';
import { publishingWorkspace } from './publishing-stores.js';

/**
 * The workspace adapters, picked from settings. The embedded default is
 * SQLite + a local artifact folder under `home`; a registry URL switches datasets, models,
 * deployments and artifacts to PostgreSQL so several machines share them.
 */
export async function openPlatformWorkspace(settings: Pick<Settings, 'home' | 'registryUrl' | 'registrySchema'> & Partial<Pick<Settings, 'fourEyes'>>): Promise<Workspace> {
  const ws = settings.registryUrl !== undefined
    ? await openPgWorkspace({ url: settings.registryUrl, schema: settings.registrySchema, describeDataset: computeDatasetStats })
    : openEmbeddedWorkspace(settings.home);
  // Four eyes on approvals (compliance-critical models), for every process the settings open.
  return settings.fourEyes === true ? fourEyesWorkspace(ws) : ws;
}

/** The embedded SQLite workspace under `home`. */
export function openEmbeddedWorkspace(home: string): Workspace {
  return openSqliteWorkspace(home, { describeDataset: computeDatasetStats });
}

export interface WorkspaceOptions {
  /**
   * Publish what `work` changes on the bus the settings name (datasets created, models registered,
   * approved or rejected, deployment revisions), after each change committed; a publish that fails
   * is a warning and never fails `work`. What a person's verbs pass; processes that publish their
   * own events (the controller) leave it out.
   */
  readonly publish?: PublishOptions;
}

/** Opens the workspace, runs `work`, and always closes it (after the events of its changes went out). */
export async function withWorkspace<T>(settings: Pick<Settings, 'home' | 'registryUrl' | 'registrySchema'> & Partial<Pick<Settings, 'busUrl' | 'fourEyes'>>,
  work: (ws: Workspace) => Promise<T>, options: WorkspaceOptions = {}): Promise<T> {
  const raw = await openPlatformWorkspace(settings);
  const events = options.publish === undefined ? undefined : createEventPublisher(settings, options.publish);
  try {
    return await work(events === undefined ? raw : publishingWorkspace(raw, events));
  } finally {
    // Flushed before the workspace closes: an event may still read it (a dataset's place).
    await events?.flush();
    raw.close();
    await events?.close();
  }
}

/**
 * Where registered models' artifacts are copied (by sha256) to be loaded from a file: shared by
 * `serve` and the verbs that take `--model NAME@REF`, so one version is written once per machine.
 */
export function modelCacheDir(settings: Pick<Settings, 'home'>): string {
  return join(settings.home, 'serving-cache');
}
