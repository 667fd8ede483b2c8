/**
 * SQLite schema of the dataset registry (migration 1 in sqlite/migrations.ts; never edited once
 * shipped: the workspace stores each migration's sha256, so even the indentation below is part of it).
 */
export const DATASET_TABLES_SQLITE = `
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
    `;
