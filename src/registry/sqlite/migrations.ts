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
  {
    version: 1,
    sql: `
      CREATE TABLE datasets (
        id              TEXT PRIMARY KEY,
        content_sha256  TEXT NOT NULL UNIQUE,
        -- today the artifact holds the canonical bytes, so this equals content_sha256; kept apart
        -- so a later storage format (compressed, columnar) does not change dataset identity
        artifact_sha256 TEXT NOT NULL,
        source          TEXT NOT NULL,
        created_at      TEXT NOT NULL,
        text_column     TEXT NOT NULL,
        label_columns   TEXT NOT NULL,
        levels          TEXT,
        row_count       INTEGER NOT NULL,
        stats           TEXT NOT NULL
      ) STRICT;
      CREATE INDEX datasets_created_at ON datasets (created_at);
    `,
  },
  // Model registry: models, versions, aliases, append-only audit log (owned by the model-registry work).
  { version: 2, sql: MODEL_TABLES_SQLITE },
  // Serving deployments: every revision of every endpoint, append-only (sqlite/deployment-schema.ts).
  { version: 3, sql: DEPLOYMENT_TABLES_SQLITE },
];
