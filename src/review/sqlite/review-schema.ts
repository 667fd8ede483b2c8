/**
 * The review database's schema, as numbered migrations. Append-only: a shipped migration is never
 * edited; change the schema by adding the next. The file's `user_version` is the last applied.
 */
export const REVIEW_MIGRATIONS_SQLITE: readonly string[] = [
  `CREATE TABLE rev_items (
    id INTEGER PRIMARY KEY,
    endpoint TEXT NOT NULL,
    text_sha256 TEXT NOT NULL,
    text TEXT NOT NULL,
    occurrences INTEGER NOT NULL DEFAULT 0,
    top_score REAL NOT NULL,
    suggestions TEXT NOT NULL,
    model TEXT NOT NULL,
    version TEXT NOT NULL,
    variant TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'answered')),
    answer_label TEXT,
    answer_actor TEXT,
    answer_note TEXT,
    answer_suggestion INTEGER,
    answered_at INTEGER,
    feedback_ids TEXT,
    UNIQUE (endpoint, text_sha256)
  ) STRICT;
  CREATE INDEX rev_items_queue ON rev_items (endpoint, state, occurrences DESC, top_score, first_seen, id);
  CREATE TABLE rev_occurrences (
    item_id INTEGER NOT NULL REFERENCES rev_items (id),
    request_id TEXT,
    position INTEGER NOT NULL,
    at INTEGER NOT NULL,
    model TEXT NOT NULL,
    version TEXT NOT NULL,
    variant TEXT NOT NULL,
    top_score REAL NOT NULL,
    UNIQUE (item_id, request_id, position)
  ) STRICT;`,
];
