import { ARTIFACT_TABLE_PG } from '../artifacts/postgres/artifact-schema.js';
import { DATASET_TABLES_PG } from './dataset-schema.js';
import { DEPLOYMENT_TABLES_PG } from './deployment-schema.js';
import type { PgMigration } from './migrate.js';
import { MODEL_TABLES_PG } from './model-schema.js';

/** lading's PostgreSQL schema, numbered and append-only: never edit a released step, add one. */
export const PG_MIGRATIONS: readonly PgMigration[] = [
  { version: 1, name: 'artifacts', sql: ARTIFACT_TABLE_PG },
  { version: 2, name: 'model registry', sql: MODEL_TABLES_PG },
  { version: 3, name: 'datasets', sql: DATASET_TABLES_PG },
  { version: 4, name: 'deployments', sql: DEPLOYMENT_TABLES_PG },
];
