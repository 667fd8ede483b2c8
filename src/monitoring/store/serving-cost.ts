import { InputError } from '../../core/errors.js';

/**
 * What one serving process has spent on one variant of an endpoint, cumulative since it started:
 * the texts it classified and the CPU-seconds attributed to them (the split of the server's
 * `lading_cpu_seconds_per_million_texts`: the version's own scoring time plus an equal share per
 * text of the process's other CPU). The process rewrites its row as the figures grow, so the
 * latest row of each process is its whole spend; a restarted process is a new key (new start time),
 * so summing rows never counts the same CPU-second twice.
 */
export interface ServingCostRecord {
  /** Which process: host and pid, e.g. "node-3/4711". */
  readonly processId: string;
  /** When that process started recording (epoch ms): with processId, the key of one process's life. */
  readonly processStartedAt: number;
  readonly endpoint: string;
  readonly variant: string;
  readonly model: string;
  readonly version: string;
  /** Cumulative since processStartedAt. */
  readonly texts: number;
  readonly cpuSeconds: number;
  /** When these figures were taken (epoch ms). */
  readonly at: number;
}

/** Cost records of one endpoint whose process was recording at some time in [since, until). */
export interface ServingCostQuery {
  readonly endpoint: string;
  /** Epoch ms, inclusive: the record was taken at or after it. Default: the beginning. */
  readonly since?: number | undefined;
  /** Epoch ms, exclusive: the process started before it. Default: now and later. */
  readonly until?: number | undefined;
}

export interface ServingCostStore {
  /**
   * Stores each record, replacing the row of the same process, variant and model version unless
   * that row was taken later (`at`): a late writer never moves a cumulative figure back.
   */
  recordServingCost(records: readonly ServingCostRecord[]): Promise<void>;
  /** The latest row of every process, variant and model version of the query, oldest process first. */
  listServingCost(query: ServingCostQuery): Promise<ServingCostRecord[]>;
}

const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isTime = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v);

/** Checks every record before either adapter writes any, so a bad one is named by index and field. */
export function checkServingCostRecords(records: readonly ServingCostRecord[]): void {
  records.forEach((r, i) => {
    const bad = badField(r);
    if (bad !== undefined) {
      throw new InputError('bad-serving-cost', `serving cost record ${i} of ${records.length}: field "${bad}" is missing or invalid, so none was stored`,
        { row: i, field: bad }, 'processId and endpoint non-empty strings, times whole epoch ms, texts a whole count, cpuSeconds finite and >= 0.');
    }
  });
}

function badField(r: ServingCostRecord | undefined): string | undefined {
  if (r === null || typeof r !== 'object') return 'record';
  if (typeof r.processId !== 'string' || r.processId === '') return 'processId';
  if (!isTime(r.processStartedAt)) return 'processStartedAt';
  if (typeof r.endpoint !== 'string' || r.endpoint === '') return 'endpoint';
  if (typeof r.variant !== 'string') return 'variant';
  if (typeof r.model !== 'string') return 'model';
  if (typeof r.version !== 'string') return 'version';
  if (!isCount(r.texts)) return 'texts';
  if (typeof r.cpuSeconds !== 'number' || !Number.isFinite(r.cpuSeconds) || r.cpuSeconds < 0) return 'cpuSeconds';
  if (!isTime(r.at)) return 'at';
  return undefined;
}

/** The row as both adapters read it (PostgreSQL returns bigint columns as strings). */
export interface ServingCostRow {
  process_id: string; process_started_at: number | string; endpoint: string; variant: string; model: string; version: string;
  texts: number | string; cpu_seconds: number; at: number | string;
}

export const SERVING_COST_COLUMNS = 'process_id, process_started_at, endpoint, variant, model, version, texts, cpu_seconds, at';

export function toServingCost(r: ServingCostRow): ServingCostRecord {
  return {
    processId: r.process_id, processStartedAt: Number(r.process_started_at), endpoint: r.endpoint, variant: r.variant,
    model: r.model, version: r.version, texts: Number(r.texts), cpuSeconds: Number(r.cpu_seconds), at: Number(r.at),
  };
}
