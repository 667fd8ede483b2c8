/**
 * The pipeline store's tables in SQLite (a file of its own, <home>/pipelines.sqlite). The partial
 * unique index is what makes "one running run per pipeline" true across processes: a second
 * startRun fails inside its transaction instead of racing.
 */
export const PIPELINE_TABLES_SQLITE = `
CREATE TABLE pl_pipelines (
  name TEXT PRIMARY KEY,
  since INTEGER NOT NULL,
  paused INTEGER NOT NULL DEFAULT 0,
  paused_by TEXT,
  paused_at INTEGER,
  pause_reason TEXT,
  last_run_id TEXT,
  last_run_time INTEGER,
  last_feedback_id INTEGER NOT NULL DEFAULT 0,
  last_feedback_count INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE pl_runs (
  id TEXT PRIMARY KEY,
  pipeline TEXT NOT NULL REFERENCES pl_pipelines(name),
  trigger TEXT NOT NULL CHECK (trigger IN ('manual', 'cron', 'drift', 'new-labels')),
  actor TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'gated')),
  steps TEXT NOT NULL DEFAULT '[]',
  dataset TEXT,
  candidate TEXT,
  error TEXT,
  owner_host TEXT NOT NULL,
  owner_pid INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX pl_runs_one_running ON pl_runs (pipeline) WHERE status = 'running';
CREATE INDEX pl_runs_by_pipeline ON pl_runs (pipeline, started_at);
`;

/** Migration 2: the dataset version of the feedback a run held out of training for its gates. */
export const PIPELINE_RUN_HOLDOUT_SQLITE = 'ALTER TABLE pl_runs ADD COLUMN holdout TEXT;';
