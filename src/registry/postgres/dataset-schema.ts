/** The datasets table (migration 3 in postgres/migrations.ts; never edited once shipped); same columns as the SQLite one, JSON as jsonb. */
export const DATASET_TABLES_PG = `
CREATE TABLE datasets (
  id text PRIMARY KEY,
  content_sha256 text NOT NULL UNIQUE,
  artifact_sha256 text NOT NULL,
  source jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  text_column text NOT NULL,
  label_columns jsonb NOT NULL,
  levels jsonb,
  row_count integer NOT NULL,
  stats jsonb NOT NULL
);
CREATE INDEX datasets_created_at ON datasets (created_at);
`;
