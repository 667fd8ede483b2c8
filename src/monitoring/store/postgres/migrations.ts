import { LOG_ANSWERED_PG, LOG_FEATURES_PG, LOOKUP_KEY_INDEXES_PG, MONITORING_TABLES_PG } from './monitoring-schema.js';
import { SERVING_COST_PG } from './serving-cost-schema.js';
import { TIMELINE_WINDOWS_PG } from './timeline-window-schema.js';

/**
 * The monitoring tables' PostgreSQL schema, as numbered migrations. Append-only: a shipped migration
 * is never edited (its sha256 is stored and checked on open); change the schema by adding the next.
 */
export interface PgMonitoringMigration {
  readonly version: number;
  readonly sql: string;
}

export const PG_MONITORING_MIGRATIONS: readonly PgMonitoringMigration[] = [
  // Prediction log, feedback, reference profiles, alert events (postgres/monitoring-schema.ts).
  { version: 1, sql: MONITORING_TABLES_PG },
  // The request and text lookup indexes hold an 8-byte hash instead of the strings (postgres/monitoring-schema.ts).
  { version: 2, sql: LOOKUP_KEY_INDEXES_PG },
  // The entity features an answer used (JSON; NULL: the model takes none). SQLite keeps them in its segments (format LSG2).
  { version: 3, sql: LOG_FEATURES_PG },
  // What each serving process spent, cumulative, per variant and model version (serving-cost-schema.ts).
  { version: 4, sql: SERVING_COST_PG },
  // The code answered under an active taxonomy (NULL: none active). SQLite keeps it in its segments (format LSG3).
  { version: 5, sql: LOG_ANSWERED_PG },
  // The dashboard timeline's closed windows, so a restart does not read the whole log again (timeline-window-schema.ts).
  { version: 6, sql: TIMELINE_WINDOWS_PG },
];
