/**
 * The composition root: the one place that picks adapters from settings and wires the processes
 * lading runs. CLI verbs parse arguments, call in here, and render.
 *
 *   workspace        datasets, models, deployments, artifacts (SQLite under home, or PostgreSQL)
 *   serving process  model source + serving plane + deployment sync + HTTP server (+ the monitor loop with --monitor)
 *   monitor process  monitoring store + alert rules + sinks (history, webhook) + the monitor loop
 *
 * The retraining controller and the stream worker slot in beside these as
 * `startControllerProcess` and `startStreamWorker`, each taking the settings
 * and returning a LadingProcess (close(), closed), so every process stops the same orderly way.
 */
export { modelCacheDir, openEmbeddedWorkspace, openPlatformWorkspace, withWorkspace, type WorkspaceOptions } from './workspace.js';
export { createEventPublisher, EventPublisher, type PublishOptions } from './event-publisher.js';
export { PROCESS_INDEX_ENV, runServingPrimary, servingClusterIndex } from './serving-cluster.js';
export { parseFrom, startStreamProcess, STREAM_DEFAULTS, type StreamJob, type StreamProcess, type StreamSettings } from './stream-process.js';
export { startServingProcess, type LadingProcess, type ServingProcess, type ServingProcessOptions, type ServingSettings, type ServingTarget } from './serving-process.js';
export { monitoringStoreSpec, openMonitoringStore, openPlatformMonitoringStore, withMonitoringStore, type MonitoringStoreSpec } from './monitoring-store.js';
export { retentionPolicy, startPredictionLog, type PredictionLog, type PredictionLogSettings } from './prediction-log.js';
export {
  answerReviewItem, openPlatformReviewQueue, openReviewQueue, reviewQueueSpec, startServingReview, withReviewQueue, type ReviewQueueSpec, type ServingReview,
} from './review-queue.js';
export { saveReferenceProfile } from './reference-profile.js';
export {
  alertStatePath, monitorAlertRules, servingSignals, startMonitorProcess, startServingMonitor,
  type MonitoringLocator, type MonitorProcess, type MonitorProcessOptions, type MonitorSettings, type ServingMonitorOptions,
} from './monitor-process.js';
export {
  importTaxonomyFile, loadTaxonomyCodes, mapTaxonomy, openPlatformTaxonomyStore, withTaxonomyStore, type MapTaxonomyInput, type MapTaxonomyOutcome,
} from './taxonomy.js';
export { checkServingTaxonomy, pinTaxonomyChoice } from './serving-taxonomy.js';
export { startUiProcess, uiBackend, UI_WEB_DIR, type UiProcess, type UiSettings } from './ui-process.js';
