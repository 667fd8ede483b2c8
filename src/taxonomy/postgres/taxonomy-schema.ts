/**
 * PostgreSQL schema of the taxonomy store (migration 1 in postgres/migrations.ts, never edited once
 * shipped), in the registry's schema, numbered by its own ledger (tax_schema_migrations). The same
 * tables and guards as the SQLite one (sqlite/taxonomy-schema.ts); times are ISO text in both, so
 * one mapping (store-records.ts) reads either.
 */
export const TAXONOMY_TABLES_PG = `
CREATE TABLE tax_versions (
  name text NOT NULL,
  version integer NOT NULL,
  content_sha256 text NOT NULL,
  parent_levels text NOT NULL,
  code_count integer NOT NULL,
  source text NOT NULL,
  created_at text NOT NULL,
  created_by text NOT NULL,
  reason text,
  PRIMARY KEY (name, version)
);
CREATE TABLE tax_codes (
  name text NOT NULL,
  version integer NOT NULL,
  position integer NOT NULL,
  code text NOT NULL,
  description text NOT NULL,
  parents text NOT NULL,
  PRIMARY KEY (name, version, code),
  FOREIGN KEY (name, version) REFERENCES tax_versions (name, version)
);
CREATE TABLE tax_correlations (
  id text PRIMARY KEY,
  content_sha256 text NOT NULL UNIQUE,
  from_name text NOT NULL,
  from_version integer NOT NULL,
  to_name text NOT NULL,
  to_version integer NOT NULL,
  source text NOT NULL,
  created_at text NOT NULL,
  created_by text NOT NULL,
  reason text,
  FOREIGN KEY (from_name, from_version) REFERENCES tax_versions (name, version),
  FOREIGN KEY (to_name, to_version) REFERENCES tax_versions (name, version)
);
CREATE TABLE tax_correlation_pairs (
  correlation_id text NOT NULL REFERENCES tax_correlations (id),
  position integer NOT NULL,
  line integer NOT NULL,
  old_code text NOT NULL,
  new_code text NOT NULL,
  PRIMARY KEY (correlation_id, position)
);
CREATE TABLE tax_audit (
  seq bigserial PRIMARY KEY,
  at text NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  subject text NOT NULL,
  reason text
);
CREATE FUNCTION lading_tax_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP;
END $$;
CREATE TRIGGER tax_audit_no_change BEFORE UPDATE OR DELETE ON tax_audit
  FOR EACH ROW EXECUTE FUNCTION lading_tax_reject_change();
CREATE TRIGGER tax_audit_no_truncate BEFORE TRUNCATE ON tax_audit
  FOR EACH STATEMENT EXECUTE FUNCTION lading_tax_reject_change();
`;
