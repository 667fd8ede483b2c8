/**
 * SQLite schema of the monitoring store (migration 1 in sqlite/migrations.ts; never edited once
 * shipped). Times are epoch milliseconds (INTEGER). A prediction's arrays are BLOBs and one
 * separated string (store/prediction-codec.ts), not JSON: appends stay above 100k rows/s.
 *
 * mon_predictions.seq is AUTOINCREMENT so a seq is never reused after pruning empties the table:
 * feedback rows keep the seq of the prediction they corrected. Every index also holds the rowid
 * (seq) as its last column, so (endpoint, at) serves the keyset (at, seq) page order, and
 * (endpoint, text_sha256, at) the feedback join "latest of this text before t".
 */
export const MONITORING_TABLES_SQLITE = `
CREATE TABLE mon_predictions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id TEXT NOT NULL,
  position INTEGER NOT NULL CHECK (position >= 0),
  at INTEGER NOT NULL,
  endpoint TEXT NOT NULL,
  variant TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('primary', 'shadow')),
  model TEXT NOT NULL,
  version TEXT NOT NULL,
  model_sha256 TEXT NOT NULL,
  text TEXT,
  text_sha256 TEXT NOT NULL,
  label TEXT NOT NULL,
  score REAL NOT NULL,
  top_labels TEXT NOT NULL,
  top_scores BLOB NOT NULL,
  latency_ms REAL NOT NULL,
  chars INTEGER NOT NULL,
  tokens INTEGER NOT NULL,
  digits INTEGER NOT NULL,
  upper INTEGER NOT NULL,
  non_ascii INTEGER NOT NULL,
  token_hashes BLOB NOT NULL
) STRICT;
CREATE INDEX mon_predictions_endpoint_at ON mon_predictions (endpoint, at);
CREATE INDEX mon_predictions_request ON mon_predictions (request_id, position);
CREATE INDEX mon_predictions_text ON mon_predictions (endpoint, text_sha256, at);

CREATE TABLE mon_feedback (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  endpoint TEXT NOT NULL,
  time INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  label TEXT NOT NULL,
  source TEXT NOT NULL,
  request_id TEXT,
  position INTEGER,
  text TEXT,
  text_sha256 TEXT NOT NULL,
  pred_seq INTEGER,
  pred_variant TEXT,
  pred_model TEXT,
  pred_version TEXT,
  pred_model_sha256 TEXT,
  pred_label TEXT,
  pred_score REAL,
  pred_at INTEGER,
  new_class INTEGER NOT NULL CHECK (new_class IN (0, 1))
) STRICT;
CREATE INDEX mon_feedback_endpoint_time ON mon_feedback (endpoint, time);

CREATE TABLE mon_profiles (
  model_sha256 TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  version TEXT NOT NULL,
  profile TEXT NOT NULL,
  saved_at INTEGER NOT NULL
) STRICT;

CREATE TABLE mon_alert_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('fired', 'resolved')),
  rule TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  variant TEXT,
  at INTEGER NOT NULL,
  value REAL NOT NULL,
  threshold REAL NOT NULL,
  message TEXT NOT NULL
) STRICT;
CREATE INDEX mon_alert_events_at ON mon_alert_events (at);
CREATE INDEX mon_alert_events_endpoint_at ON mon_alert_events (endpoint, at);
`;

/**
 * Migration 2. The two string indexes of migration 1 cost most of an append: each 1,000-row batch
 * inserted 2,000 entries at random places of two large B-trees, dirtying about one page per entry
 * (measured: 16-22k rows/s into a fresh file with them, ~100-110k rows/cpu-second without). The
 * lookups they served now go through two WITHOUT ROWID tables of integer keys (store/lookup-keys.ts):
 *
 * - mon_request_keys (request_key, seq): every row with a request id;
 * - mon_text_keys (text_key, at, seq): primary rows only (findLatestByText reads no shadow row),
 *   `at` in the key so "latest at or before t" is one backward seek.
 *
 * An append computes both keys in JS and stores them in mon_predictions (request_key, text_key), so
 * the catch-up reads two integers a row instead of calling back into JS twice a row (rows of
 * files written before this migration have NULL there; the catch-up computes theirs with the
 * lading_*_key SQL functions). It (sqlite/prediction-log.ts) indexes the rows after
 * mon_lookup_watermark.seq in key order, in one transaction with the watermark, so a crash between
 * an append and its catch-up leaves rows merely not yet indexed; every lookup catches up first.
 */
export const LOOKUP_KEY_TABLES_SQLITE = `
DROP INDEX mon_predictions_request;
DROP INDEX mon_predictions_text;
ALTER TABLE mon_predictions ADD COLUMN request_key INTEGER;
ALTER TABLE mon_predictions ADD COLUMN text_key INTEGER;
CREATE TABLE mon_request_keys (
  request_key INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (request_key, seq)
) STRICT, WITHOUT ROWID;
CREATE TABLE mon_text_keys (
  text_key INTEGER NOT NULL,
  at INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (text_key, at, seq)
) STRICT, WITHOUT ROWID;
CREATE TABLE mon_lookup_watermark (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  seq INTEGER NOT NULL
) STRICT;
INSERT INTO mon_lookup_watermark (one, seq) VALUES (1, 0);
`;

/**
 * Migration 3. A row named its stream (endpoint, variant, role, model, version, model_sha256) in
 * six strings, ~100 of its ~550 bytes, and a column scan turned them into six JS strings a row.
 * The stream now lives once in mon_streams and a row holds its stream_id. Measured, 1M rows (a
 * primary and a canary stream on one endpoint), 3 runs each: column scan best 4.93 s -> 3.39 s,
 * ingest of 1,000-row batches best 113k -> 127k rows/s (spread ~14k both), file 502 -> 410 MB.
 * `endpoint` stays in mon_predictions because the (endpoint, at) index serves every log query's
 * keyset page order (at, seq) as before. An index on (stream_id, at) with `stream_id IN (ids of
 * the endpoint)` instead cannot yield (at, seq) order across streams: each page sorts every row
 * after its key in a temp B-tree (measured: 0.82 s for the first 10 pages of 10,000 rows, against
 * 4.3 s for all 100 pages through (endpoint, at), same file). SQLite cannot drop columns cheaply, so the table is
 * rebuilt: one transaction (the migration's own), rows copied in seq order, and the AUTOINCREMENT
 * high-water mark carried over so a seq is never reused (feedback keeps the seq it corrected).
 */
export const STREAM_TABLE_SQLITE = `
CREATE TABLE mon_streams (
  stream_id INTEGER PRIMARY KEY,
  endpoint TEXT NOT NULL,
  variant TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('primary', 'shadow')),
  model TEXT NOT NULL,
  version TEXT NOT NULL,
  model_sha256 TEXT NOT NULL,
  UNIQUE (endpoint, variant, role, model, version, model_sha256)
) STRICT;
INSERT INTO mon_streams (endpoint, variant, role, model, version, model_sha256)
  SELECT DISTINCT endpoint, variant, role, model, version, model_sha256 FROM mon_predictions ORDER BY 1, 2, 3, 4, 5, 6;
CREATE TABLE mon_predictions_compact (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id TEXT NOT NULL,
  position INTEGER NOT NULL CHECK (position >= 0),
  at INTEGER NOT NULL,
  endpoint TEXT NOT NULL,
  stream_id INTEGER NOT NULL,
  text TEXT,
  text_sha256 TEXT NOT NULL,
  label TEXT NOT NULL,
  score REAL NOT NULL,
  top_labels TEXT NOT NULL,
  top_scores BLOB NOT NULL,
  latency_ms REAL NOT NULL,
  chars INTEGER NOT NULL,
  tokens INTEGER NOT NULL,
  digits INTEGER NOT NULL,
  upper INTEGER NOT NULL,
  non_ascii INTEGER NOT NULL,
  token_hashes BLOB NOT NULL,
  request_key INTEGER,
  text_key INTEGER
) STRICT;
INSERT INTO mon_predictions_compact (seq, request_id, position, at, endpoint, stream_id, text, text_sha256, label, score, top_labels,
  top_scores, latency_ms, chars, tokens, digits, upper, non_ascii, token_hashes, request_key, text_key)
  SELECT p.seq, p.request_id, p.position, p.at, p.endpoint, s.stream_id, p.text, p.text_sha256, p.label, p.score, p.top_labels,
    p.top_scores, p.latency_ms, p.chars, p.tokens, p.digits, p.upper, p.non_ascii, p.token_hashes, p.request_key, p.text_key
  FROM mon_predictions p JOIN mon_streams s ON s.endpoint = p.endpoint AND s.variant = p.variant AND s.role = p.role
    AND s.model = p.model AND s.version = p.version AND s.model_sha256 = p.model_sha256
  ORDER BY p.seq;
DELETE FROM sqlite_sequence WHERE name = 'mon_predictions_compact';
INSERT INTO sqlite_sequence (name, seq) SELECT 'mon_predictions_compact', seq FROM sqlite_sequence WHERE name = 'mon_predictions';
DROP TABLE mon_predictions;
ALTER TABLE mon_predictions_compact RENAME TO mon_predictions;
CREATE INDEX mon_predictions_endpoint_at ON mon_predictions (endpoint, at);
`;

/**
 * Migration 4. An append wrote one mon_predictions row per answer (20 parameters, ~8-10 µs of
 * SQLite a row on a loaded 2-core box); the log writer, a nice-19 thread beside serving, could not
 * keep up at saturation. An append now writes one mon_segments row per endpoint: the batch's rows
 * as typed-array columns in one BLOB (sqlite/log-segment.ts), `seq` being the seq of its first row
 * (row i has seq + i; mon_next_seq hands out seqs, starting above every seq mon_predictions ever
 * had, so none is reused). `skip` counts the leading rows retention removed, `min_at` is the time
 * of the first row kept, `streams` the live rows per stream id. Nothing is rewritten: rows already
 * in mon_predictions stay there and every read merges them with the segments.
 */
export const LOG_SEGMENTS_SQLITE = `
CREATE TABLE mon_segments (
  seq INTEGER PRIMARY KEY,
  endpoint TEXT NOT NULL,
  rows INTEGER NOT NULL CHECK (rows > 0),
  skip INTEGER NOT NULL CHECK (skip >= 0 AND skip < rows),
  min_at INTEGER NOT NULL,
  max_at INTEGER NOT NULL,
  streams TEXT NOT NULL,
  data BLOB NOT NULL
) STRICT;
CREATE INDEX mon_segments_endpoint_max_at ON mon_segments (endpoint, max_at);
CREATE TABLE mon_next_seq (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  seq INTEGER NOT NULL
) STRICT;
INSERT INTO mon_next_seq (one, seq) VALUES (1, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'mon_predictions'), 0) + 1);
`;
