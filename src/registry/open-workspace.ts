import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { computeDatasetStats } from '../data/dataset-stats.js';
import { LocalFolderArtifactStore } from './artifacts/local-folder/local-folder-store.js';
import type { Registry } from './registry.js';
import { openSqliteDatabase } from './sqlite/open-database.js';
import { SqliteRegistry } from './sqlite/sqlite-registry.js';

/**
 * The embedded workspace: `<home>/lading.db` (SQLite) and `<home>/artifacts/` (local folder),
 * created if absent. This is a small composition root, which is why it, alone in registry/, imports
 * from data/ (the statistics the registry records with each dataset version).
 */
export function openWorkspace(home: string): Registry {
  mkdirSync(home, { recursive: true });
  const artifacts = new LocalFolderArtifactStore(join(home, 'artifacts'));
  const db = openSqliteDatabase(join(home, 'lading.db'));
  return new SqliteRegistry({ db, artifacts, describeDataset: (rows) => computeDatasetStats(rows) });
}
