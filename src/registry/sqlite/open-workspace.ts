import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LocalFolderArtifactStore } from '../artifacts/local-folder/artifact-store.js';
import type { DescribeDataset } from '../dataset-registry.js';
import { composeWorkspace, type Workspace } from '../workspace.js';
import { openSqliteDatabase } from './connection.js';
import { SqliteDeploymentStore } from './deployment-store.js';
import { SqliteModelRegistry } from './model-registry.js';
import { SqliteDatasetRegistry } from './dataset-registry.js';

export interface SqliteWorkspaceOptions {
  /** Dataset statistics (data/dataset-stats.ts), injected because registry/ imports only core. */
  readonly describeDataset: DescribeDataset;
  /** How long a writer waits for another process's write lock (default 10 s). */
  readonly busyTimeoutMs?: number;
}

/**
 * The embedded workspace: `<home>/lading.db` (SQLite, WAL, every migration applied) and
 * `<home>/artifacts/` (content-addressed local folder), created if absent. Datasets, models and
 * deployments share one connection; every write takes the lock with BEGIN IMMEDIATE and waits up to the busy
 * timeout for another process.
 */
export function openSqliteWorkspace(home: string, options: SqliteWorkspaceOptions): Workspace {
  mkdirSync(home, { recursive: true });
  const artifacts = new LocalFolderArtifactStore(join(home, 'artifacts'));
  const db = openSqliteDatabase(join(home, 'lading.db'));
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 10_000))}`);
  // The dataset side owns the connection and closes it.
  const datasets = new SqliteDatasetRegistry({ db, artifacts, describeDataset: options.describeDataset });
  return composeWorkspace({
    datasets, models: new SqliteModelRegistry(db, artifacts), artifacts, deployments: new SqliteDeploymentStore(db), close: () => datasets.close(),
  });
}
