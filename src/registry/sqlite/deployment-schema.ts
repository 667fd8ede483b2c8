/**
 * SQLite schema of the deployment store (migration 3 in sqlite/migrations.ts; never edited once
 * shipped). One row per revision. Append-only in the database itself: triggers refuse UPDATE and
 * DELETE, so neither a code path nor a hand-typed statement can rewrite history.
 */
export const DEPLOYMENT_TABLES_SQLITE = `
CREATE TABLE deployments (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  endpoint TEXT NOT NULL,
  revision INTEGER NOT NULL CHECK (revision >= 1),
  spec TEXT CHECK (spec IS NULL OR json_valid(spec)),
  action TEXT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT,
  at TEXT NOT NULL,
  UNIQUE (endpoint, revision)
);
CREATE TRIGGER deployments_no_update BEFORE UPDATE ON deployments
BEGIN SELECT RAISE(ABORT, 'deployments is append-only: UPDATE is not allowed'); END;
CREATE TRIGGER deployments_no_delete BEFORE DELETE ON deployments
BEGIN SELECT RAISE(ABORT, 'deployments is append-only: DELETE is not allowed'); END;
`;
