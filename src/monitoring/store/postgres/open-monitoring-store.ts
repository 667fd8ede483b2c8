import type { MonitoringStore } from '../monitoring-store.js';
import { checkMonitoringSchemaName, openMonitoringPool } from './connection.js';
import { PgFeedbackStore } from './feedback-store.js';
import { migrateMonitoringPg } from './migrate.js';
import { PG_MONITORING_MIGRATIONS } from './migrations.js';
import { PgProfileAlertStore } from './profile-alert-store.js';
import { PgPredictionLog } from './prediction-log.js';
import { PgServingCostStore } from './serving-cost-store.js';
import { PgTimelineWindowStore } from './timeline-window-store.js';

/** The URL without its password, for messages. */
function describeUrl(url: string, schema: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return `${u.protocol}//${u.username ? `${u.username}@` : ''}${u.host}${u.pathname}#${schema}`;
  } catch {
    return `postgresql#${schema}`;
  }
}

/**
 * The monitoring store as `mon_*` tables in a PostgreSQL schema (the registry's, so several machines
 * share one log with no other service). Creates the schema and applies pending migrations first,
 * under an advisory lock (postgres/migrate.ts). One pool serves every part; each part takes a
 * connection per query or per transaction.
 */
export async function openPgMonitoringStore(options: { readonly url: string; readonly schema: string; readonly maxConnections?: number }): Promise<MonitoringStore> {
  const schema = checkMonitoringSchemaName(options.schema);
  const pool = openMonitoringPool({ ...options, schema });
  // An idle client's error (server restart) must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  // A pooled client whose connection the server ends (restart, failover) can emit 'error' while no
  // query or pool listener holds it, which would end the process: swallow it here; the next query
  // on that client fails on its own and the pool replaces it.
  pool.on('connect', (client) => client.on('error', () => undefined));
  try {
    await migrateMonitoringPg(pool, schema, describeUrl(options.url, schema), PG_MONITORING_MIGRATIONS);
  } catch (e) {
    await pool.end();
    throw e;
  }
  const log = new PgPredictionLog(pool);
  const feedback = new PgFeedbackStore(pool);
  const rest = new PgProfileAlertStore(pool);
  const cost = new PgServingCostStore(pool);
  const windows = new PgTimelineWindowStore(pool);
  let closed: Promise<void> | undefined;
  return {
    appendPredictions: (rows) => log.appendPredictions(rows),
    appendColumns: (cols) => log.appendColumns(cols),
    scanPredictions: (query, pageSize) => log.scanPredictions(query, pageSize),
    scanPredictionColumns: (query, pageSize) => log.scanPredictionColumns(query, pageSize),
    countPredictions: (query) => log.countPredictions(query),
    findByRequestId: (requestId, position) => log.findByRequestId(requestId, position),
    findLatestByText: (endpoint, textSha256, before) => log.findLatestByText(endpoint, textSha256, before),
    listLoggedEndpoints: () => log.listLoggedEndpoints(),
    prunePredictions: async (policy) => {
      const removed = await log.prunePredictions(policy);
      if (removed > 0) await windows.prune();
      return removed;
    },
    addFeedback: (records) => feedback.addFeedback(records),
    listFeedback: (query) => feedback.listFeedback(query),
    listFeedbackLabels: (query) => feedback.listFeedbackLabels(query),
    countFeedback: (query) => feedback.countFeedback(query),
    saveProfile: (sha, json, about) => rest.saveProfile(sha, json, about),
    getProfile: (sha) => rest.getProfile(sha),
    recordAlertEvent: (event) => rest.recordAlertEvent(event),
    listAlertEvents: (query) => rest.listAlertEvents(query),
    recordServingCost: (records) => cost.recordServingCost(records),
    listServingCost: (query) => cost.listServingCost(query),
    saveTimelineWindows: (records) => windows.saveTimelineWindows(records),
    listTimelineWindows: (query) => windows.listTimelineWindows(query),
    close: () => (closed ??= pool.end()),
  };
}
