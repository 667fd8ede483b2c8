import { MONITORING_TABLES_SQLITE } from './monitoring-schema.js';

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
];
