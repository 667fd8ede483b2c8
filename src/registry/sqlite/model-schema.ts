/**
 * SQLite schema of the model registry, as migration steps appended (in order, never edited) to
 * sqlite/migrations.ts. Times are ISO-8601 text, JSON is text.
 *
 * Guards in the database itself, so no code path (nor a hand-typed UPDATE) can break them:
 * the audit log rejects UPDATE and DELETE; a version's identity columns cannot change (only its
 * approval and deletion mark may).
 */
export const MODEL_TABLES_SQLITE = `
CREATE TABLE models (
  name TEXT PRIMARY KEY,
  latest_version INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL
);
CREATE TABLE model_versions (
  model TEXT NOT NULL REFERENCES models(name),
  version INTEGER NOT NULL CHECK (version >= 1),
  artifact_uri TEXT NOT NULL,
  artifact_sha256 TEXT NOT NULL,
  artifact_bytes INTEGER NOT NULL,
  kind TEXT NOT NULL,
  labels TEXT NOT NULL,
  input_schema TEXT NOT NULL,
  metrics TEXT NOT NULL,
  params TEXT NOT NULL,
  dataset_id TEXT,
  parent_version INTEGER,
  code_version TEXT NOT NULL,
  registered_by TEXT NOT NULL,
  registered_at TEXT NOT NULL,
  tags TEXT NOT NULL,
  approval_status TEXT NOT NULL DEFAULT 'pending' CHECK (approval_status IN ('pending', 'approved', 'rejected')),
  approval_by TEXT,
  approval_at TEXT,
  approval_reason TEXT,
  deleted_at TEXT,
  deleted_by TEXT,
  PRIMARY KEY (model, version),
  FOREIGN KEY (model, parent_version) REFERENCES model_versions(model, version)
);
CREATE INDEX model_versions_by_sha ON model_versions(artifact_sha256);
CREATE INDEX model_versions_by_dataset ON model_versions(dataset_id);
CREATE INDEX model_versions_by_parent ON model_versions(model, parent_version);
CREATE TABLE model_aliases (
  model TEXT NOT NULL REFERENCES models(name),
  alias TEXT NOT NULL,
  version INTEGER NOT NULL,
  moved_at TEXT NOT NULL,
  moved_by TEXT NOT NULL,
  PRIMARY KEY (model, alias),
  FOREIGN KEY (model, version) REFERENCES model_versions(model, version)
);
CREATE TABLE model_audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  model TEXT NOT NULL,
  version INTEGER,
  alias TEXT,
  before TEXT,
  after TEXT,
  reason TEXT
);
CREATE INDEX model_audit_by_model ON model_audit(model, id);
CREATE TRIGGER model_audit_no_update BEFORE UPDATE ON model_audit
BEGIN SELECT RAISE(ABORT, 'model_audit is append-only: UPDATE is not allowed'); END;
CREATE TRIGGER model_audit_no_delete BEFORE DELETE ON model_audit
BEGIN SELECT RAISE(ABORT, 'model_audit is append-only: DELETE is not allowed'); END;
CREATE TRIGGER model_versions_immutable BEFORE UPDATE OF model, version, artifact_uri, artifact_sha256, artifact_bytes,
  kind, labels, input_schema, metrics, params, dataset_id, parent_version, code_version, registered_by, registered_at, tags
  ON model_versions
BEGIN SELECT RAISE(ABORT, 'model_versions are immutable: only approval and deletion may change'); END;
CREATE TRIGGER model_versions_no_delete BEFORE DELETE ON model_versions
BEGIN SELECT RAISE(ABORT, 'model_versions are never deleted: mark them deleted instead'); END;
`;
