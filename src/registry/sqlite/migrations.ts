import { DATASET_TABLES_SQLITE } from './dataset-schema.js';
import { DEPLOYMENT_TABLES_SQLITE } from './deployment-schema.js';
import { MODEL_TABLES_SQLITE } from './model-schema.js';

/**
 * The SQLite schema, as numbered migrations. Append-only: a migration that has shipped is never
 * edited (the registry stores each one's sha256 and refuses to open a workspace whose applied
 * migrations differ from these); change the schema by adding the next number.
 */
export interface Migration {
  readonly version: number;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  // Datasets (sqlite/dataset-schema.ts).
  { version: 1, sql: DATASET_TABLES_SQLITE },
  // Model registry: models, versions, aliases, append-only audit log (owned by the model-registry work).
  { version: 2, sql: MODEL_TABLES_SQLITE },
  // Serving deployments: every revision of every endpoint, append-only (sqlite/deployment-schema.ts).
  { version: 3, sql: DEPLOYMENT_TABLES_SQLITE },
];
