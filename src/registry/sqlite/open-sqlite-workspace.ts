import Database from 'better-sqlite3';
import { join } from 'node:path';
import { LocalFolderArtifactStore } from '../artifacts/local-folder/local-folder-store.js';
import { openWorkspace } from '../open-workspace.js';
import { CombinedWorkspace, type Workspace } from '../workspace.js';
import { SqliteModelRegistry } from './sqlite-model-registry.js';

/**
 * The embedded workspace with models: openWorkspace (datasets; it applies every SQLite migration,
 * the model tables included) plus the model registry on its own connection to the same file and
 * the same artifact folder. Two connections to one WAL file are fine; each takes the write lock
 * with BEGIN IMMEDIATE and waits up to `busyTimeoutMs` for it.
 */
export function openSqliteWorkspace(home: string, options: { busyTimeoutMs?: number } = {}): Workspace {
  const datasets = openWorkspace(home);
  let db: Database.Database | undefined;
  try {
    db = new Database(join(home, 'lading.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 10_000))}`);
    db.pragma('foreign_keys = ON');
    const artifacts = new LocalFolderArtifactStore(join(home, 'artifacts'));
    const models = new SqliteModelRegistry(db, artifacts);
    const open = db;
    return new CombinedWorkspace(datasets, models, artifacts, () => { if (open.open) open.close(); });
  } catch (e) {
    db?.close();
    datasets.close();
    throw e;
  }
}
