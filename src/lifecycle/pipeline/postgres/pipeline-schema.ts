/**
 * The pipeline store's tables in PostgreSQL, beside the registry's in its schema (`pl_*`), so
 * every machine of a shared registry sees one pipeline state. Same columns as the SQLite file;
 * times are epoch ms (bigint). The partial unique index keeps one running run per pipeline.
 */
export const PIPELINE_TABLES_PG = `
CREATE TABLE pl_pipelines (
  name text PRIMARY KEY,
  since bigint NOT NULL,
  paused boolean NOT NULL DEFAULT false,
  paused_by text,
  paused_at bigint,
  pause_reason text,
  last_run_id text,
  last_run_time bigint,
  last_feedback_id bigint NOT NULL DEFAULT 0,
  last_feedback_count bigint NOT NULL DEFAULT 0
);

CREATE TABLE pl_runs (
  id text PRIMARY KEY,
  pipeline text NOT NULL REFERENCES pl_pipelines(name),
  trigger text NOT NULL CHECK (trigger IN ('manual', 'cron', 'drift', 'new-labels')),
  actor text NOT NULL,
  started_at bigint NOT NULL,
  finished_at bigint,
  status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'gated')),
  steps text NOT NULL DEFAULT '[]',
  dataset text,
  candidate text,
  error text,
  owner_host text NOT NULL,
  owner_pid integer NOT NULL,
  heartbeat_at bigint NOT NULL
);

CREATE UNIQUE INDEX pl_runs_one_running ON pl_runs (pipeline) WHERE status = 'running';
CREATE INDEX pl_runs_by_pipeline ON pl_runs (pipeline, started_at);
`;

/** Append-only: a shipped migration is never edited (its sha256 is checked on open). */
export const PIPELINE_MIGRATIONS_PG: readonly { readonly version: number; readonly sql: string }[] = [
  { version: 1, sql: PIPELINE_TABLES_PG },
  // The dataset version of the feedback a run held out of training for its gates.
  { version: 2, sql: 'ALTER TABLE pl_runs ADD COLUMN holdout text;' },
];
