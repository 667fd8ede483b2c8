/**
 * The review queue's `rev_*` tables in the registry's PostgreSQL schema, as numbered migrations
 * (append-only; the last applied is recorded in rev_schema_migrations). Same columns as sqlite/.
 */
export const REVIEW_MIGRATIONS_PG: readonly string[] = [
  `CREATE TABLE rev_items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint text NOT NULL,
    text_sha256 text NOT NULL,
    text text NOT NULL,
    occurrences bigint NOT NULL DEFAULT 0,
    top_score float8 NOT NULL,
    suggestions text NOT NULL,
    model text NOT NULL,
    version text NOT NULL,
    variant text NOT NULL,
    first_seen bigint NOT NULL,
    last_seen bigint NOT NULL,
    state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'answered')),
    answer_label text,
    answer_actor text,
    answer_note text,
    answer_suggestion integer,
    answered_at bigint,
    feedback_ids text,
    UNIQUE (endpoint, text_sha256)
  );
  CREATE INDEX rev_items_queue ON rev_items (endpoint, state, occurrences DESC, top_score, first_seen, id);
  CREATE TABLE rev_occurrences (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id bigint NOT NULL REFERENCES rev_items (id),
    request_id text,
    position integer NOT NULL,
    at bigint NOT NULL,
    model text NOT NULL,
    version text NOT NULL,
    variant text NOT NULL,
    top_score float8 NOT NULL,
    UNIQUE (item_id, request_id, position)
  );`,
];
