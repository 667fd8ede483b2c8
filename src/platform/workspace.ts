import { join } from 'node:path';
import type { Settings } from '../config/config.js';
import { computeDatasetStats } from '../data/dataset-stats.js';
import { openPgWorkspace } from '../registry/postgres/open-workspace.js';
import { openSqliteWorkspace } from '../registry/sqlite/open-workspace.js';
import type { Workspace } from '../registry/workspace.js';

/**
 * The workspace adapters, picked from settings. The embedded default is
 * SQLite + a local artifact folder under `home`; a registry URL switches datasets, models,
 * deployments and artifacts to PostgreSQL so several machines share them.
 */
export async function openPlatformWorkspace(settings: Pick<Settings, 'home' | 'registryUrl' | 'registrySchema'>): Promise<Workspace> {
  if (settings.registryUrl !== undefined) {
    return openPgWorkspace({ url: settings.registryUrl, schema: settings.registrySchema, describeDataset: computeDatasetStats });
  }
  return openEmbeddedWorkspace(settings.home);
}

/** The embedded SQLite workspace under `home`. */
export function openEmbeddedWorkspace(home: string): Workspace {
  return openSqliteWorkspace(home, { describeDataset: computeDatasetStats });
}

/** Opens the workspace, runs `work`, and always closes it. */
export async function withWorkspace<T>(settings: Pick<Settings, 'home' | 'registryUrl' | 'registrySchema'>, work: (ws: Workspace) => Promise<T>): Promise<T> {
  const ws = await openPlatformWorkspace(settings);
  try {
    return await work(ws);
  } finally {
    ws.close();
  }
}

/**
 * Where registered models' artifacts are copied (by sha256) to be loaded from a file: shared by
 * `serve` and the verbs that take `--model NAME@REF`, so one version is written once per machine.
 */
export function modelCacheDir(settings: Pick<Settings, 'home'>): string {
  return join(settings.home, 'serving-cache');
}
