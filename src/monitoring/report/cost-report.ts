import type { ServingCostStore } from '../store/serving-cost.js';

/** What one model version cost to serve, summed over the serving processes that recorded it. */
export interface VersionCost {
  readonly model: string;
  readonly version: string;
  readonly texts: number;
  readonly cpuSeconds: number;
  /** cpuSeconds per million texts: the operating cost of a prediction, in the unit /metrics uses. */
  readonly cpuSecondsPerMillion: number;
  /** Process lives (host/pid and start time) whose latest figures are summed. */
  readonly processes: number;
  /** When the newest of those figures was taken (epoch ms). */
  readonly recordedAt: number;
}

export interface CostReport {
  /** Versions that answered in the window and have cost records, most texts first. */
  readonly versions: readonly VersionCost[];
  /** Versions that answered in the window with no cost record ("model@version"): see COST_BASIS. */
  readonly unrecorded: readonly string[];
}

/** How to read the figures, said in the report and its help. */
export const COST_BASIS = 'cumulative over the life of each serving process that answered in the window (not only the window\'s texts), from the records serving processes write beside their prediction log every minute and at shutdown';
/** Why a version can have no record. */
export const NO_COST_RECORD = 'no serving cost record: its servers ran with the prediction log off (--no-log), or have not written one yet (every minute and at shutdown), or are older than cost records';

/**
 * Cost per prediction of each version that answered in the window: the latest cumulative figures
 * of every serving process (one row per host/pid and start time, so a restart adds a process life
 * and never counts the same CPU-seconds twice), summed, over the summed texts.
 */
export async function buildCostReport(store: ServingCostStore, endpoint: string, answered: Iterable<{ readonly model: string; readonly version: string }>,
  window: { readonly since?: number | undefined; readonly until?: number | undefined }): Promise<CostReport> {
  const key = (model: string, version: string) => `${model}@${version}`;
  const wanted = new Map<string, { model: string; version: string }>();
  for (const v of answered) wanted.set(key(v.model, v.version), { model: v.model, version: v.version });
  const sums = new Map<string, { model: string; version: string; texts: number; cpuSeconds: number; lives: Set<string>; recordedAt: number }>();
  for (const r of await store.listServingCost({ endpoint, since: window.since, until: window.until })) {
    const k = key(r.model, r.version);
    if (!wanted.has(k)) continue;
    let s = sums.get(k);
    if (!s) {
      s = { model: r.model, version: r.version, texts: 0, cpuSeconds: 0, lives: new Set(), recordedAt: -Infinity };
      sums.set(k, s);
    }
    s.texts += r.texts;
    s.cpuSeconds += r.cpuSeconds;
    s.lives.add(`${r.processId}\u0000${r.processStartedAt}`);
    s.recordedAt = Math.max(s.recordedAt, r.at);
  }
  const versions: VersionCost[] = [...sums.values()].filter((s) => s.texts > 0).map((s) => ({
    model: s.model, version: s.version, texts: s.texts, cpuSeconds: s.cpuSeconds,
    cpuSecondsPerMillion: (s.cpuSeconds / s.texts) * 1e6, processes: s.lives.size, recordedAt: s.recordedAt,
  }));
  const recorded = new Set(versions.map((v) => key(v.model, v.version)));
  return {
    versions: versions.sort((a, b) => b.texts - a.texts),
    unrecorded: [...wanted.keys()].filter((k) => !recorded.has(k)),
  };
}
