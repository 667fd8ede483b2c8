import { InputError } from '../../core/errors.js';

/**
 * The dashboard's monitoring timeline keeps the summary of each closed window (a cell of a fixed
 * time grid the log has moved past) here, so a restarted dashboard reads ~10 rows instead of
 * re-reading the whole prediction log (seconds of CPU on 1M predictions). The store does not know
 * what the figures mean: `figures` is the reader's JSON, `basis` says what they were computed from
 * (the reader compares it with what it would use now and recomputes on a difference), and
 * `logFirst` is the log's first row time at computation (retention that removed rows inside the
 * window since makes it stale). Key: endpoint, cell width, cell start.
 */
export interface TimelineWindowRecord {
  readonly endpoint: string;
  /** The grid cell's width (ms) and start (epoch ms, inclusive); the window is [since, since + widthMs). */
  readonly widthMs: number;
  readonly since: number;
  /** What the figures depend on besides the window's predictions (code revision, reference profiles), as the reader spells it. */
  readonly basis: string;
  /** Epoch ms of the endpoint's first logged row when the window was read. */
  readonly logFirst: number;
  /** The window's figures, JSON text. */
  readonly figures: string;
  readonly computedAt: number;
}

/** One endpoint's stored windows of one width whose start is in [since, until). */
export interface TimelineWindowQuery {
  readonly endpoint: string;
  readonly widthMs: number;
  readonly since?: number | undefined;
  readonly until?: number | undefined;
}

export interface TimelineWindowStore {
  /** Stores each window, replacing the one of the same endpoint, width and start (a recomputation on a new basis). */
  saveTimelineWindows(windows: readonly TimelineWindowRecord[]): Promise<void>;
  /** Oldest first. */
  listTimelineWindows(query: TimelineWindowQuery): Promise<TimelineWindowRecord[]>;
}

const isTime = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v);

/** Checks every window before either adapter writes any, so a bad one is named by index and field. */
export function checkTimelineWindows(windows: readonly TimelineWindowRecord[]): void {
  windows.forEach((w, i) => {
    const bad = badField(w);
    if (bad !== undefined) {
      throw new InputError('bad-timeline-window', `timeline window ${i} of ${windows.length}: field "${bad}" is missing or invalid, so none was stored`,
        { row: i, field: bad }, 'endpoint non-empty, widthMs a whole number > 0, times whole epoch ms, basis and figures strings.');
    }
  });
}

function badField(w: TimelineWindowRecord | undefined): string | undefined {
  if (w === null || typeof w !== 'object') return 'window';
  if (typeof w.endpoint !== 'string' || w.endpoint === '') return 'endpoint';
  if (!isTime(w.widthMs) || w.widthMs <= 0) return 'widthMs';
  if (!isTime(w.since)) return 'since';
  if (typeof w.basis !== 'string') return 'basis';
  if (!isTime(w.logFirst)) return 'logFirst';
  if (typeof w.figures !== 'string') return 'figures';
  if (!isTime(w.computedAt)) return 'computedAt';
  return undefined;
}

/** The row as both adapters read it (PostgreSQL returns bigint columns as strings). */
export interface TimelineWindowRow {
  endpoint: string; width_ms: number | string; since: number | string; basis: string; log_first: number | string; figures: string; computed_at: number | string;
}

export const TIMELINE_WINDOW_COLUMNS = 'endpoint, width_ms, since, basis, log_first, figures, computed_at';

export function toTimelineWindow(r: TimelineWindowRow): TimelineWindowRecord {
  return {
    endpoint: r.endpoint, widthMs: Number(r.width_ms), since: Number(r.since), basis: r.basis, logFirst: Number(r.log_first),
    figures: r.figures, computedAt: Number(r.computed_at),
  };
}

/**
 * Retention for stored windows, run after prunePredictions removed rows: a window starting before
 * an endpoint's oldest kept row lost predictions (or is wholly gone), so it goes; an endpoint with
 * no row left loses all. The SQLite adapter's (from listLoggedEndpoints' spans); PostgreSQL's does
 * the same in one statement. `drop(endpoint, before)` deletes windows starting before `before`.
 */
export async function pruneTimelineWindows(spans: ReadonlyArray<{ readonly endpoint: string; readonly first: number }>,
  storedEndpoints: readonly string[], drop: (endpoint: string, before: number) => Promise<void>): Promise<void> {
  const first = new Map(spans.map((s) => [s.endpoint, s.first]));
  for (const endpoint of storedEndpoints) await drop(endpoint, first.get(endpoint) ?? Number.MAX_SAFE_INTEGER);
}
