import { LOG_SEGMENTS_SQLITE, LOOKUP_KEY_TABLES_SQLITE, MONITORING_TABLES_SQLITE, STREAM_TABLE_SQLITE } from './monitoring-schema.js';
import { KEY_RUNS_SQLITE } from './key-runs-schema.js';
import { SERVING_COST_SQLITE } from './serving-cost-schema.js';
import { TIMELINE_WINDOWS_SQLITE } from './timeline-window-schema.js';

/**
 * The monitoring database's schema, as numbered migrations. Append-only: a shipped migration is
 * never edited (its sha256 is stored and checked on open); change the schema by adding the next.
 */
export interface MonitoringMigration {
  readonly version: number;
  readonly sql: string;
}

export const MONITORING_MIGRATIONS: readonly MonitoringMigration[] = [
  // Prediction log, feedback, reference profiles, alert events (sqlite/monitoring-schema.ts).
  { version: 1, sql: MONITORING_TABLES_SQLITE },
  // The request and text lookups move from two string indexes on mon_predictions to integer-keyed
  // side tables filled in sorted chunks (sqlite/prediction-log.ts); existing rows are indexed by the
  // first catch-up after the upgrade.
  { version: 2, sql: LOOKUP_KEY_TABLES_SQLITE },
  // A row names its stream by mon_streams.stream_id instead of six strings (table rebuilt).
  { version: 3, sql: STREAM_TABLE_SQLITE },
  // Appends write one columnar segment per endpoint (mon_segments); old rows stay and are read too.
  { version: 4, sql: LOG_SEGMENTS_SQLITE },
  // What each serving process spent, cumulative, per variant and model version (serving-cost-schema.ts).
  { version: 5, sql: SERVING_COST_SQLITE },
  // The dashboard timeline's closed windows, so a restart does not read the whole log again (timeline-window-schema.ts).
  { version: 6, sql: TIMELINE_WINDOWS_SQLITE },
  // Segment rows' lookup keys go into sorted runs instead of the B-trees, which grew too slow to insert into (key-runs-schema.ts).
  { version: 7, sql: KEY_RUNS_SQLITE },
];
