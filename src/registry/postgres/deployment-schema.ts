/**
 * PostgreSQL schema of the deployment store (migration 4 in postgres/migrations.ts). Same table and guards as
 * the SQLite one (sqlite/deployment-schema.ts): UPDATE, DELETE and TRUNCATE are refused by
 * triggers (lading_reject_change comes from the model registry step). `spec` is json, not jsonb,
 * so a revision reads back exactly as it was written.
 */
export const DEPLOYMENT_TABLES_PG = `
CREATE TABLE deployments (
  seq bigserial PRIMARY KEY,
  endpoint text NOT NULL,
  revision integer NOT NULL CHECK (revision >= 1),
  spec json,
  action text NOT NULL,
  actor text NOT NULL,
  reason text,
  at timestamptz NOT NULL,
  UNIQUE (endpoint, revision)
);
CREATE TRIGGER deployments_no_change BEFORE UPDATE OR DELETE ON deployments
  FOR EACH ROW EXECUTE FUNCTION lading_reject_change();
CREATE TRIGGER deployments_no_truncate BEFORE TRUNCATE ON deployments
  FOR EACH STATEMENT EXECUTE FUNCTION lading_reject_change();
`;
