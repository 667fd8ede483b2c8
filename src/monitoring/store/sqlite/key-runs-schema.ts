/**
 * Migration 7: the lookup keys of segment rows go into sorted runs (sqlite/key-runs.ts) instead of
 * the two WITHOUT ROWID B-trees of migration 2. A catch-up inserted its keys sorted, but into a
 * tree that grows with the log: with mostly distinct texts each key landed on a page of its own,
 * and a 100,000-row catch-up took 0.10 s on an empty log and 0.78 s at 4M rows (7.8 µs a row,
 * rising without bound), so the log writer fell ever further behind. A run is written once, in
 * blocks, and never updated: its cost is the sort and the bytes, whatever the log's size.
 *
 * - mon_key_runs: one row per run of a kind (0: request keys, 1: text keys), its size (which sets
 *   its level for merging), its newest seq (so retention drops whole runs), its newest time
 *   (a lookup opens the runs newest first and stops at the newest match) and a Bloom filter of its
 *   keys (so a lookup skips the runs that cannot hold its key);
 * - mon_key_blocks: a run's tuples (key, at, seq) in order, BLOCK_TUPLES to a block, with the
 *   block's first tuple beside it so a lookup seeks the one block that can hold a key. A run's
 *   blocks have consecutive ids from mon_key_runs.first_block, so the block before is id - 1 and no
 *   second index is kept up to date on every block written. A rowid table: a WITHOUT ROWID row keeps at most about 1 KB on its page, so a 3 KB block would be read
 *   through overflow pages (measured, 2M rows in 6 runs of
 *   128-tuple blocks: 0.40 ms a text lookup that way, 0.26 ms as a rowid table).
 *
 * The B-trees stay: they hold the keys already indexed and those of old-format rows
 * (mon_predictions), and every lookup reads them beside the runs.
 */
export const KEY_RUNS_SQLITE = `
CREATE TABLE mon_key_runs (
  run_id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind INTEGER NOT NULL CHECK (kind IN (0, 1)),
  tuples INTEGER NOT NULL,
  first_block INTEGER NOT NULL,
  blocks INTEGER NOT NULL,
  max_seq INTEGER NOT NULL,
  max_at INTEGER NOT NULL,
  bloom BLOB NOT NULL
) STRICT;
CREATE INDEX mon_key_runs_kind ON mon_key_runs (kind, run_id);
CREATE TABLE mon_key_blocks (
  block_id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL,
  first_key INTEGER NOT NULL,
  first_at INTEGER NOT NULL,
  first_seq INTEGER NOT NULL,
  data BLOB NOT NULL
) STRICT;
CREATE INDEX mon_key_blocks_first ON mon_key_blocks (run_id, first_key, first_at, first_seq);
`;
