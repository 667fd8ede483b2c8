/**
 * SQLite schema of the taxonomy store (migration 1 in sqlite/migrations.ts; never edited once shipped:
 * its sha256 is stored in tax_schema_migrations). Tables live in the workspace's lading.db beside the
 * registry's, prefixed tax_, numbered by their own ledger. Versions, codes and tables are immutable;
 * the audit log is append-only.
 */
export const TAXONOMY_TABLES_SQLITE = `
CREATE TABLE tax_versions (
  name           TEXT NOT NULL,
  version        INTEGER NOT NULL,
  content_sha256 TEXT NOT NULL,
  parent_levels  TEXT NOT NULL,
  code_count     INTEGER NOT NULL,
  source         TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  created_by     TEXT NOT NULL,
  reason         TEXT,
  PRIMARY KEY (name, version)
) STRICT;
CREATE TABLE tax_codes (
  name        TEXT NOT NULL,
  version     INTEGER NOT NULL,
  position    INTEGER NOT NULL,
  code        TEXT NOT NULL,
  description TEXT NOT NULL,
  parents     TEXT NOT NULL,
  PRIMARY KEY (name, version, code),
  FOREIGN KEY (name, version) REFERENCES tax_versions (name, version)
) STRICT;
CREATE TABLE tax_correlations (
  id             TEXT PRIMARY KEY,
  content_sha256 TEXT NOT NULL UNIQUE,
  from_name      TEXT NOT NULL,
  from_version   INTEGER NOT NULL,
  to_name        TEXT NOT NULL,
  to_version     INTEGER NOT NULL,
  source         TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  created_by     TEXT NOT NULL,
  reason         TEXT,
  FOREIGN KEY (from_name, from_version) REFERENCES tax_versions (name, version),
  FOREIGN KEY (to_name, to_version) REFERENCES tax_versions (name, version)
) STRICT;
CREATE TABLE tax_correlation_pairs (
  correlation_id TEXT NOT NULL REFERENCES tax_correlations (id),
  position       INTEGER NOT NULL,
  line           INTEGER NOT NULL,
  old_code       TEXT NOT NULL,
  new_code       TEXT NOT NULL,
  PRIMARY KEY (correlation_id, position)
) STRICT;
CREATE TABLE tax_audit (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  at      TEXT NOT NULL,
  actor   TEXT NOT NULL,
  action  TEXT NOT NULL,
  subject TEXT NOT NULL,
  reason  TEXT
) STRICT;
CREATE TRIGGER tax_audit_no_update BEFORE UPDATE ON tax_audit
BEGIN SELECT RAISE(ABORT, 'tax_audit is append-only: UPDATE is not allowed'); END;
CREATE TRIGGER tax_audit_no_delete BEFORE DELETE ON tax_audit
BEGIN SELECT RAISE(ABORT, 'tax_audit is append-only: DELETE is not allowed'); END;
`;
