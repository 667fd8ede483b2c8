/**
 * PostgreSQL schema of the monitoring store (migration 1 in postgres/migrations.ts; never edited
 * once shipped), the same tables and columns as the SQLite one so row-mapping.ts reads both. Times
 * are epoch milliseconds (bigint, which the driver returns as strings: row-mapping applies Number()).
 * A prediction's arrays are bytea and one separated string (store/prediction-codec.ts), not JSON.
 *
 * seq and id are identity columns: a sequence never hands out a value twice, so a seq is never reused
 * after pruning and feedback rows keep the seq of the prediction they corrected. Indexes end with
 * seq where a query orders by it: (endpoint, at, seq) serves the keyset (at, seq) pages,
 * (endpoint, text_sha256, at, seq) the feedback join "latest of this text before t".
 */
export const MONITORING_TABLES_PG = `
CREATE TABLE mon_predictions (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id text NOT NULL,
  position integer NOT NULL CHECK (position >= 0),
  at bigint NOT NULL,
  endpoint text NOT NULL,
  variant text NOT NULL,
  role text NOT NULL CHECK (role IN ('primary', 'shadow')),
  model text NOT NULL,
  version text NOT NULL,
  model_sha256 text NOT NULL,
  text text,
  text_sha256 text NOT NULL,
  label text NOT NULL,
  score double precision NOT NULL,
  top_labels text NOT NULL,
  top_scores bytea NOT NULL,
  latency_ms double precision NOT NULL,
  chars integer NOT NULL,
  tokens integer NOT NULL,
  digits integer NOT NULL,
  upper integer NOT NULL,
  non_ascii integer NOT NULL,
  token_hashes bytea NOT NULL
);
CREATE INDEX mon_predictions_endpoint_at ON mon_predictions (endpoint, at, seq);
CREATE INDEX mon_predictions_request ON mon_predictions (request_id, position);
CREATE INDEX mon_predictions_text ON mon_predictions (endpoint, text_sha256, at, seq);

CREATE TABLE mon_feedback (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  endpoint text NOT NULL,
  time bigint NOT NULL,
  received_at bigint NOT NULL,
  label text NOT NULL,
  source text NOT NULL,
  request_id text,
  position integer,
  text text,
  text_sha256 text NOT NULL,
  pred_seq bigint,
  pred_variant text,
  pred_model text,
  pred_version text,
  pred_model_sha256 text,
  pred_label text,
  pred_score double precision,
  pred_at bigint,
  new_class boolean NOT NULL
);
CREATE INDEX mon_feedback_endpoint_time ON mon_feedback (endpoint, time, id);

CREATE TABLE mon_profiles (
  model_sha256 text PRIMARY KEY,
  model text NOT NULL,
  version text NOT NULL,
  profile text NOT NULL,
  saved_at bigint NOT NULL
);

CREATE TABLE mon_alert_events (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL,
  state text NOT NULL CHECK (state IN ('fired', 'resolved')),
  rule text NOT NULL,
  endpoint text NOT NULL,
  variant text,
  at bigint NOT NULL,
  value double precision NOT NULL,
  threshold double precision NOT NULL,
  message text NOT NULL
);
CREATE INDEX mon_alert_events_at ON mon_alert_events (at, seq);
CREATE INDEX mon_alert_events_endpoint_at ON mon_alert_events (endpoint, at, seq);
`;

/**
 * Migration 2. The request and text lookups' indexes of migration 1 hold the strings themselves
 * (the text hash alone is 64 characters), so each append inserts two ~100-byte entries at random
 * places of two large B-trees. They become expression indexes on an 8-byte hash of the same values
 * (hashtextextended: immutable, built in), partial where a lookup never reads a row: no '' request
 * ids (they name no request), only primary rows for the text (findLatestByText reads no shadow row).
 * The queries (postgres/prediction-log.ts) use the same expressions and still compare the full
 * values, so two values sharing a hash cost one extra row read, never a wrong answer.
 */
export const LOOKUP_KEY_INDEXES_PG = `
DROP INDEX mon_predictions_request;
DROP INDEX mon_predictions_text;
CREATE INDEX mon_predictions_request_key ON mon_predictions (hashtextextended(request_id, position)) WHERE request_id <> '';
CREATE INDEX mon_predictions_text_key ON mon_predictions (hashtextextended(endpoint || '/' || text_sha256, 0), at, seq) WHERE role = 'primary';
`;

/** LoggedPrediction.features as JSON text: 'null' for "text alone", SQL NULL for a model that takes no features. */
export const LOG_FEATURES_PG = `
ALTER TABLE mon_predictions ADD COLUMN features text;
`;

/** LoggedPrediction.answered: the code answered under an active taxonomy; NULL without one (older rows too). */
export const LOG_ANSWERED_PG = `
ALTER TABLE mon_predictions ADD COLUMN answered text;
`;
