import { hostname } from 'node:os';
import type { ServingCostRecord, ServingCostStore } from '../monitoring/store/serving-cost.js';
import type { ServingMetrics } from '../serving/serving-metrics.js';

/** Once a minute: cost figures move slowly, and a row per process and variant a minute is nothing for the store. */
export const COST_RECORD_MS = 60_000;
/** The last write at shutdown waits at most this long: a store that is down must not hold the process. */
const FINAL_WRITE_MS = 2_000;

export interface ServingCostRecorder {
  /** Writes the figures now (the periodic write calls it too); writes never overlap. */
  record(): Promise<void>;
  /** Stops the timer and writes the final figures (bounded wait). Call after the server drained, before the store closes. */
  close(): Promise<void>;
}

/**
 * Writes this serving process's cumulative cost per variant (ServingMetrics.costPerMillion, the
 * figures behind /metrics' lading_cpu_seconds_per_million_texts) into the monitoring store, so
 * `lading monitor report`, which reads the store and not the servers, can show cost per prediction.
 * A timer and one small upsert: nothing on the request path. The key is this host and pid with the
 * time recording started, so a restarted process adds a row instead of resetting one.
 */
export function startServingCostRecorder(metrics: ServingMetrics, store: ServingCostStore,
  options: { readonly intervalMs?: number | undefined; readonly warn: (line: string) => void }): ServingCostRecorder {
  const processId = `${hostname()}/${process.pid}`;
  const processStartedAt = Date.now();
  let writing: Promise<void> = Promise.resolve();
  const record = (): Promise<void> => {
    // After the previous write, whether it failed or not: one failure (a store restart) must not fail every later write.
    writing = writing.catch(() => undefined).then(async () => {
      const at = Date.now();
      const records: ServingCostRecord[] = metrics.costPerMillion().map((row) => ({
        processId, processStartedAt, at, endpoint: row.labels.endpoint, variant: row.labels.variant, model: row.labels.model, version: row.labels.version,
        texts: row.texts, cpuSeconds: (row.texts * row.cpuSecondsPerMillion) / 1e6,
      }));
      if (records.length > 0) await store.recordServingCost(records);
    });
    return writing;
  };
  const recordQuietly = () => record().catch((e: unknown) => options.warn(`serving cost: recording failed: ${e instanceof Error ? e.message : String(e)}`));
  const timer = setInterval(() => { void recordQuietly(); }, options.intervalMs ?? COST_RECORD_MS);
  timer.unref();
  let closing: Promise<void> | undefined;
  return {
    record,
    close() {
      closing ??= (async () => {
        clearInterval(timer);
        let timeout: NodeJS.Timeout | undefined;
        const late = new Promise<void>((resolve) => {
          timeout = setTimeout(() => { options.warn(`serving cost: the final record took over ${FINAL_WRITE_MS} ms; closing without it`); resolve(); }, FINAL_WRITE_MS);
        });
        await Promise.race([recordQuietly(), late]);
        clearTimeout(timeout);
      })();
      return closing;
    },
  };
}
