/** The table this store keeps its bytes in (migration 1 in registry/postgres/migrations.ts; never edited once shipped). */
export const ARTIFACT_TABLE_PG = `
CREATE TABLE artifacts (
  sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  bytes bytea NOT NULL,
  size bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
`;
