/**
 * Migration 4: one row per serving process (host/pid and start time), endpoint, variant and model
 * version, rewritten with the process's cumulative texts and CPU-seconds (store/serving-cost.ts).
 * A table of its own, touched once a minute per process: nothing on the prediction log's path.
 */
export const SERVING_COST_PG = `
CREATE TABLE mon_serving_cost (
  process_id text NOT NULL,
  process_started_at bigint NOT NULL,
  endpoint text NOT NULL,
  variant text NOT NULL,
  model text NOT NULL,
  version text NOT NULL,
  texts bigint NOT NULL,
  cpu_seconds double precision NOT NULL,
  at bigint NOT NULL,
  PRIMARY KEY (process_id, process_started_at, endpoint, variant, model, version)
);
CREATE INDEX mon_serving_cost_endpoint_at ON mon_serving_cost (endpoint, at);
`;
