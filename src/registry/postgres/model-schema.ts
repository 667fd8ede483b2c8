/**
 * PostgreSQL schema of the model registry (migration 2 in postgres/migrations.ts). Same tables and
 * guards as the SQLite one (sqlite/model-schema.ts): the audit log rejects UPDATE, DELETE and
 * TRUNCATE; a version's identity columns cannot change.
 */
export const MODEL_TABLES_PG = `
CREATE TABLE models (
  name text PRIMARY KEY,
  latest_version integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  created_by text NOT NULL
);
CREATE TABLE model_versions (
  model text NOT NULL REFERENCES models(name),
  version integer NOT NULL CHECK (version >= 1),
  artifact_uri text NOT NULL,
  artifact_sha256 text NOT NULL,
  artifact_bytes bigint NOT NULL,
  kind text NOT NULL,
  labels jsonb NOT NULL,
  input_schema jsonb NOT NULL,
  metrics jsonb NOT NULL,
  params jsonb NOT NULL,
  dataset_id text,
  parent_version integer,
  code_version text NOT NULL,
  registered_by text NOT NULL,
  registered_at timestamptz NOT NULL,
  tags jsonb NOT NULL,
  approval_status text NOT NULL DEFAULT 'pending' CHECK (approval_status IN ('pending', 'approved', 'rejected')),
  approval_by text,
  approval_at timestamptz,
  approval_reason text,
  deleted_at timestamptz,
  deleted_by text,
  PRIMARY KEY (model, version),
  FOREIGN KEY (model, parent_version) REFERENCES model_versions(model, version)
);
CREATE INDEX model_versions_by_sha ON model_versions(artifact_sha256);
CREATE INDEX model_versions_by_dataset ON model_versions(dataset_id);
CREATE INDEX model_versions_by_parent ON model_versions(model, parent_version);
CREATE TABLE model_aliases (
  model text NOT NULL REFERENCES models(name),
  alias text NOT NULL,
  version integer NOT NULL,
  moved_at timestamptz NOT NULL,
  moved_by text NOT NULL,
  PRIMARY KEY (model, alias),
  FOREIGN KEY (model, version) REFERENCES model_versions(model, version)
);
CREATE TABLE model_audit (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  model text NOT NULL,
  version integer,
  alias text,
  before jsonb,
  after jsonb,
  reason text
);
CREATE INDEX model_audit_by_model ON model_audit(model, id);
CREATE FUNCTION lading_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only / immutable: % is not allowed', TG_TABLE_NAME, TG_OP;
END $$;
CREATE TRIGGER model_audit_no_change BEFORE UPDATE OR DELETE ON model_audit
  FOR EACH ROW EXECUTE FUNCTION lading_reject_change();
CREATE TRIGGER model_audit_no_truncate BEFORE TRUNCATE ON model_audit
  FOR EACH STATEMENT EXECUTE FUNCTION lading_reject_change();
CREATE TRIGGER model_versions_no_delete BEFORE DELETE ON model_versions
  FOR EACH ROW EXECUTE FUNCTION lading_reject_change();
CREATE TRIGGER model_versions_immutable BEFORE UPDATE OF model, version, artifact_uri, artifact_sha256, artifact_bytes,
  kind, labels, input_schema, metrics, params, dataset_id, parent_version, code_version, registered_by, registered_at, tags
  ON model_versions FOR EACH ROW EXECUTE FUNCTION lading_reject_change();
`;
