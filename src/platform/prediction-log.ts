import type { Settings } from '../config/config.js';
import type { FeedbackTarget } from '../monitoring/feedback/accept-feedback.js';
import { LogWriter } from '../monitoring/log/log-writer.js';
import { LOGGED_TOP_K } from '../monitoring/log/logged-prediction.js';
import type { LogSink } from '../monitoring/log/log-sink.js';
import { startWorkerLogSink } from '../monitoring/log/worker-log-sink.js';
import type { MonitoringStore, RetentionPolicy } from '../monitoring/store/monitoring-store.js';
import type { ServingPlane } from '../serving/serving-plane.js';
import { monitoringStoreSpec, openMonitoringStore } from './monitoring-store.js';
import { startServingCostRecorder, type ServingCostRecorder } from './serving-cost-recorder.js';

export type PredictionLogSettings = Pick<Settings, 'home' | 'registryUrl' | 'registrySchema' | 'logFlushMs' | 'logQueueTexts'
  | 'logRetentionDays' | 'logRetentionRows' | 'logText'> & Partial<Pick<Settings, 'logSample'>>;

const HOUR = 3_600_000;

/** The retention policy the settings ask for (0 = no limit of that kind). */
export function retentionPolicy(settings: Pick<Settings, 'logRetentionDays' | 'logRetentionRows'>, now = Date.now()): RetentionPolicy {
  return {
    now,
    maxAgeMs: settings.logRetentionDays > 0 ? Math.round(settings.logRetentionDays * 86_400_000) : undefined,
    maxRows: settings.logRetentionRows > 0 ? settings.logRetentionRows : undefined,
  };
}

export interface PredictionLog {
  readonly writer: LogWriter;
  /** Where the rows go, for people: the SQLite file, or the PostgreSQL schema. */
  readonly where: string;
  /** This thread's connection: feedback, reads. The writer thread has its own. */
  readonly store: MonitoringStore;
  /** This process's cumulative cost per variant, written into the store every minute and at close. */
  readonly cost: ServingCostRecorder;
  /** For POST /v1/feedback: joins see every answer given before the request. */
  readonly feedback: FeedbackTarget;
  /** Every answer given so far is in the store (observers delivered, writer flushed). */
  flush(): Promise<void>;
  /** Retention now, in the writer thread; how many rows went. */
  prune(): Promise<number>;
  /** Flushes, stops the writer thread, closes the store. Call after the HTTP server drained. */
  close(): Promise<void>;
}

export interface PredictionLogOptions {
  /** Labels of a model that no longer answers here (the registry's record), for feedback's newClass flag. */
  readonly labelsOf?: (model: string, version: string, sha256: string) => Promise<readonly string[] | undefined>;
  readonly warn?: (line: string) => void;
  /** How often the serving cost is written (default COST_RECORD_MS, a minute). */
  readonly costRecordMs?: number;
}

/**
 * The prediction log of a serving process: the monitoring store, a writer thread with its own
 * connection (rows are computed and written there, off the server's event loop), the LogWriter
 * observing the plane, retention at start and every hour (run in the writer thread too), and the
 * process's serving cost recorded beside the log (serving-cost-recorder.ts).
 */
export async function startPredictionLog(settings: PredictionLogSettings, plane: ServingPlane, options: PredictionLogOptions = {}): Promise<PredictionLog> {
  const spec = monitoringStoreSpec(settings);
  const store = await openMonitoringStore(spec);
  let sink: LogSink;
  try {
    sink = await startWorkerLogSink(new URL('./log-writer-thread.js', import.meta.url), spec);
  } catch (e) {
    await store.close();
    throw e;
  }
  const writer = new LogWriter({
    sink, flushMs: settings.logFlushMs, capacityTexts: settings.logQueueTexts, sample: settings.logSample,
    // The endpoint's own word (its deployment's logText) wins over the process setting only to log less.
    logText: (endpoint) => settings.logText && plane.endpoint(endpoint)?.spec?.logText !== false, metrics: plane.metrics.registry, warn: options.warn,
  });
  const unsubscribe = plane.observe('prediction-log', writer.observer, { reads: 'top', top: LOGGED_TOP_K });
  const warn = options.warn ?? ((line: string) => console.warn(line));
  const prune = () => sink.prune(retentionPolicy(settings));
  const pruneQuietly = () => { void prune().catch((e: unknown) => warn(`prediction log: retention failed: ${e instanceof Error ? e.message : String(e)}`)); };
  pruneQuietly();
  const pruner = setInterval(pruneQuietly, HOUR);
  pruner.unref();
  const cost = startServingCostRecorder(plane.metrics, store, { intervalMs: options.costRecordMs, warn });
  const flush = async () => {
    await plane.observersFlushed();
    await writer.flush();
  };
  let closing: Promise<void> | undefined;
  return {
    writer, store, cost, flush, prune,
    where: spec.kind === 'sqlite' ? spec.path : `PostgreSQL schema ${spec.schema}`,
    feedback: {
      store, flushLog: flush,
      labelsOf: async (p) => writer.labelsOf(p.modelSha256) ?? await options.labelsOf?.(p.model, p.version, p.modelSha256),
    },
    close() {
      closing ??= (async () => {
        clearInterval(pruner);
        try {
          await plane.observersFlushed();
          unsubscribe();
          await writer.close();
        } finally {
          // After the drain (close is called then): the figures include every answer given.
          await cost.close();
          await store.close();
        }
      })();
      return closing;
    },
  };
}
