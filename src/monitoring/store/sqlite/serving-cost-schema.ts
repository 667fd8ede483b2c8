/**
 * Migration 5: one row per serving process (host/pid and start time), endpoint, variant and model
 * version, rewritten with the process's cumulative texts and CPU-seconds (store/serving-cost.ts).
 * A table of its own, touched once a minute per process: nothing on the prediction log's path.
 */
export const SERVING_COST_SQLITE = `
CREATE TABLE mon_serving_cost (
  process_id TEXT NOT NULL,
  process_started_at INTEGER NOT NULL,
  endpoint TEXT NOT NULL,
  variant TEXT NOT NULL,
  model TEXT NOT NULL,
  version TEXT NOT NULL,
  texts INTEGER NOT NULL,
  cpu_seconds REAL NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (process_id, process_started_at, endpoint, variant, model, version)
) STRICT;
CREATE INDEX mon_serving_cost_endpoint_at ON mon_serving_cost (endpoint, at);
`;
