import type { MonitoringStore } from '../monitoring-store.js';
import { openMonitoringDatabase } from './connection.js';
import { SqliteFeedbackStore } from './feedback-store.js';
import { SqliteProfileAlertStore } from './profile-alert-store.js';
import { SqlitePredictionLog } from './prediction-log.js';
import { SqliteServingCostStore } from './serving-cost-store.js';
import { SqliteTimelineWindowStore } from './timeline-window-store.js';

/**
 * The monitoring store in a SQLite file of its own (e.g. <home>/monitoring.sqlite), created and
 * migrated on first open. One connection serves every part: better-sqlite3 is synchronous, so
 * the parts never interleave inside a transaction.
 */
export function openSqliteMonitoringStore(path: string): MonitoringStore {
  const db = openMonitoringDatabase(path);
  const log = new SqlitePredictionLog(db);
  const feedback = new SqliteFeedbackStore(db);
  const rest = new SqliteProfileAlertStore(db);
  const cost = new SqliteServingCostStore(db);
  const windows = new SqliteTimelineWindowStore(db);
  let closed = false;
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
      if (removed > 0) await windows.prune(await log.listLoggedEndpoints());
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
    close: async () => {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
