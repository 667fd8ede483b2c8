import { PostgresArtifactStore } from '../artifacts/postgres/artifact-store.js';
import type { DescribeDataset } from '../dataset-registry.js';
import { composeWorkspace, type Workspace } from '../workspace.js';
import { checkSchemaName, openPgPool, type PgConnectionOptions } from './connection.js';
import { PgDatasetRegistry } from './dataset-registry.js';
import { PgDeploymentStore } from './deployment-store.js';
import { migratePg } from './migrate.js';
import { PG_MIGRATIONS } from './migrations.js';
import { PgModelRegistry } from './model-registry.js';

export interface PgWorkspaceOptions extends PgConnectionOptions {
  /** Dataset statistics (data/dataset-stats.ts computeDatasetStats), injected as registry/ imports only core. */
  readonly describeDataset: DescribeDataset;
}

/** The URL without its password, for messages. */
export function describePgUrl(url: string, schema: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return `${u.protocol}//${u.username ? `${u.username}@` : ''}${u.host}${u.pathname}#${schema}`;
  } catch {
    return `postgresql#${schema}`;
  }
}

/**
 * The shared workspace on PostgreSQL: datasets, models, deployments and artifacts (bytea) in one schema, so
 * several machines use one registry with no other service. Applies pending migrations first, under
 * an advisory lock (postgres/migrate.ts).
 */
export async function openPgWorkspace(options: PgWorkspaceOptions): Promise<Workspace> {
  const schema = checkSchemaName(options.schema ?? 'public');
  const pool = openPgPool({ ...options, schema });
  try {
    await migratePg(pool, schema, PG_MIGRATIONS);
  } catch (e) {
    await pool.end();
    throw e;
  }
  const artifacts = new PostgresArtifactStore(pool, describePgUrl(options.url, schema));
  let ended = false;
  const end = () => { if (!ended) { ended = true; void pool.end(); } };
  const datasets = new PgDatasetRegistry(pool, artifacts, options.describeDataset, end);
  return composeWorkspace({
    datasets, models: new PgModelRegistry(pool, artifacts), artifacts, deployments: new PgDeploymentStore(pool, schema), close: () => datasets.close(),
  });
}
