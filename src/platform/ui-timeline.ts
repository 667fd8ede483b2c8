import { setBounded } from '../core/bounded-map.js';
import { decodeProfile } from '../monitoring/profile/profile-codec.js';
import type { ReferenceProfile } from '../monitoring/profile/reference-profile.js';
import { buildMonitorReport } from '../monitoring/report/monitor-report.js';
import type { MonitoringStore, StoredFeedback } from '../monitoring/store/monitoring-store.js';
import type { TimelineWindowRecord } from '../monitoring/store/timeline-windows.js';
import type { TimelineWindow } from '../server/routes/ui-backend.js';
import { gridCells, gridWidth, type GridCell } from './ui-timeline-grid.js';
import { TimelineFeedback } from './ui-timeline-feedback.js';
import { WindowRealAccuracy } from './ui-timeline-real.js';
import { labelMark, sameMark, StoredLabelCheck, storedReal } from './ui-timeline-labels.js';
import { decodeReal, decodeVariants, openBasis, profileHashOf, storedWindow, windowBasis, type LogMark, type RealFigure, type StoredVariant } from './ui-timeline-stored.js';

/** Windows computed but not stored kept at most (the open ones of the grids asked for, and ones not settled yet): the oldest go first. */
const KEPT_WINDOWS = 2048;

/** Computes an endpoint's timeline: `windows` is how many windows the page asks for (the grid may give one more). */
export interface TimelineSource {
  endpoints(): Promise<Array<{ endpoint: string; rows: number; first: number; last: number }>>;
  /** Every window complete: waits for whatever has to be read. */
  timeline(endpoint: string, windows: number): Promise<readonly TimelineWindow[]>;
  /**
   * At once, from what is stored or was computed before: a window not computed yet comes back
   * `pending` (see TimelineWindow) and the complete timeline is computed behind the answer, as is
   * a newer one when a kept open window is older than `refreshMs`. The next call gets what it gave.
   */
  timelineNow(endpoint: string, windows: number): Promise<readonly TimelineWindow[]>;
  /**
   * From the store alone, never computing or keeping anything: the windows stored (closed, or a
   * snapshot the log still matches) with the real accuracy stored with them while it holds, the
   * rest pending. For a process whose computing thread is not up yet (ui-monitoring.ts): a few
   * small reads, cheap enough for the event loop that answers requests.
   */
  timelineStored(endpoint: string, windows: number): Promise<readonly TimelineWindow[]>;
}

export interface TimelineOptions {
  /**
   * How long after a window's end rows may still arrive for it (a log writer's batch, another
   * replica's): a window is stored once the log has a row after its end and this long has passed.
   */
  readonly settleMs?: number | undefined;
  /** How long timelineNow answers with a window computed but not stored (the open one) before it computes it again behind the answer. */
  readonly refreshMs?: number | undefined;
  readonly now?: (() => number) | undefined;
  /** Called with each window whose predictions were read (tests count them). */
  readonly onRead?: ((endpoint: string, cell: GridCell) => void) | undefined;
}

const SETTLE_MS = 5 * 60_000;
const REFRESH_MS = 15_000;

/**
 * The dashboard's view of the prediction log over time: the endpoint's logged span cut on a fixed
 * time grid (ui-timeline-grid.ts), each window summarised by the report `lading monitor report`
 * prints (buildMonitorReport) built over its time range (drift against the reference profile, the
 * CBPE estimate, real accuracy from joined feedback). A window's predictions are read once: after
 * the log moved past it (and SETTLE_MS), its drift and estimate are stored in the monitoring store
 * (mon_timeline_windows, ui-timeline-stored.ts), so later timelines, in this thread or after a
 * restart, read only windows not stored yet; a stored window is read again when a reference profile
 * it used was replaced or retention removed some of its rows. A window not closed yet is stored as
 * a snapshot of the log as it was read, reused until a row is logged or removed. Real accuracy
 * is worked out per window from the endpoint's feedback (labels may come for old answers, dated
 * inside them), as the report does; the feedback is kept and only new labels read on a refresh
 * (ui-timeline-feedback.ts), and a window's figure reused until a new label touches it (ui-timeline-real.ts).
 * Each window's figure is stored with the mark of the labels it came from, so a restarted thread
 * answers with it before it read the feedback, for every window no label added since counts in
 * (ui-timeline-labels.ts).
 * On 1M logged predictions reading every window costs 1.5-3 s (npm run bench:ui), the open window
 * of day cells ~0.5 s: the dashboard runs this in a thread of its own (ui-work.ts) and answers with
 * timelineNow, so a restart or a grid never asked before costs the first visitor no wait, only
 * pending windows that fill in as they are computed (after a restart with nothing logged or
 * labelled since, none).
 */
export function timelineSource(store: MonitoringStore, options: TimelineOptions = {}): TimelineSource {
  const settleMs = options.settleMs ?? SETTLE_MS;
  const refreshMs = options.refreshMs ?? REFRESH_MS;
  const now = options.now ?? Date.now;
  // Decoded reference profiles by the hash of their JSON: a replaced profile is another entry.
  const decoded = new Map<string, ReferenceProfile>();
  const feedback = new TimelineFeedback(store, now);
  const real = new WindowRealAccuracy();
  // Windows computed but not stored (the open one, one not settled yet), by endpoint, width and start: what timelineNow answers with until they are.
  const unstored = new Map<string, { variants: StoredVariant[]; at: number }>();
  // Complete timelines being computed behind timelineNow's answers, by endpoint and width; and the last one's failure, told to the next caller.
  const behind = new Map<string, Promise<unknown>>();
  const failed = new Map<string, Error>();
  const keyOf = (endpoint: string, width: number, since?: number) => `${endpoint}\u0000${width}${since === undefined ? '' : `\u0000${since}`}`;

  const plan = async (endpoint: string, windows: number) => {
    const span = (await store.listLoggedEndpoints()).find((e) => e.endpoint === endpoint);
    if (!span) return undefined;
    const cells = gridCells(span.first, span.last + 1, gridWidth(span.first, span.last + 1, windows));
    const width = cells[0]!.until - cells[0]!.since;
    const stored = new Map((await store.listTimelineWindows({ endpoint, widthMs: width, since: cells[0]!.since, until: cells.at(-1)!.until }))
      .map((w) => [w.since, w]));
    return { span, cells, width, stored, profiles: currentProfiles(store, decoded) };
  };

  const source: TimelineSource = {
    endpoints: () => store.listLoggedEndpoints(),
    async timeline(endpoint, windows) {
      const p = await plan(endpoint, windows);
      if (!p) return [];
      const { span, cells, width, stored, profiles } = p;
      const labels = await feedback.read(endpoint);
      // Each window's report reads the endpoint's feedback before its end: as the store would answer `until: end` (time, then id order kept).
      const end = cells.at(-1)!.until;
      const before = labels.rows.filter((f) => f.time < end);
      const reading = timelineReader(store, endpoint, end, before);
      const out: TimelineWindow[] = [];
      for (const cell of cells) {
        const closed = cell.until <= span.last && cell.until + settleMs <= now();
        const record = stored.get(cell.since);
        const reused = await reusable(record, span, profiles);
        let variants = reused?.variants;
        // What the store has for the window now: nothing, or a snapshot of it before it closed (stored again as closed).
        let kept = reused && !(reused.snapshot && closed) ? record : undefined;
        if (variants) unstored.delete(keyOf(endpoint, width, cell.since));
        else {
          const at = now();
          options.onRead?.(endpoint, cell);
          // A window's report is a few hundred ms of CPU on a big log: let other work in between.
          await new Promise((resolve) => setImmediate(resolve));
          variants = await predictionSide(reading, endpoint, cell, profiles.load);
          setBounded(unstored, keyOf(endpoint, width, cell.since), { variants, at }, KEPT_WINDOWS);
          kept = undefined;
        }
        const byModel = real.of(endpoint, labels, cell);
        // Each window its own write (one killed halfway keeps those it finished): computed, or its real accuracy worked out on other labels than stored.
        if (!kept || !sameMark(decodeReal(kept.figures)?.labels, labelMark(labels))) {
          const basis = await profiles.basis(variants);
          await store.saveTimelineWindows([storedWindow(endpoint, width, cell.since, variants, closed ? basis : openBasis(basis, span), span.first, now(), storedReal(labels, byModel))]);
        }
        out.push(windowOf(cell, variants, byModel));
      }
      return out;
    },
    async timelineNow(endpoint, windows) {
      const p = await plan(endpoint, windows);
      if (!p) return [];
      const { span, cells, width, stored, profiles } = p;
      const error = failed.get(keyOf(endpoint, width));
      if (error) { failed.delete(keyOf(endpoint, width)); throw error; }
      // Labels read before: only what came since is read now (the whole again, when due, behind). Never read in this thread
      // (a restart): each window's stored real accuracy while it holds, and the labels are read behind only for a window it does not.
      const labels = feedback.peek(endpoint) ? await feedback.read(endpoint, true) : undefined;
      let computeBehind = labels ? feedback.wholeDue(endpoint) : false;
      const check = labels ? undefined : new StoredLabelCheck(store, endpoint);
      const out: TimelineWindow[] = [];
      for (const cell of cells) {
        const record = stored.get(cell.since);
        let variants = (await reusable(record, span, profiles))?.variants;
        if (!variants) {
          const kept = unstored.get(keyOf(endpoint, width, cell.since));
          if (kept && now() - kept.at >= refreshMs) computeBehind = true;
          variants = kept?.variants;
        }
        if (!variants) {
          computeBehind = true;
          out.push({ since: cell.since, until: cell.until, variants: [], pending: true });
          continue;
        }
        if (labels) {
          out.push(windowOf(cell, variants, real.of(endpoint, labels, cell)));
          continue;
        }
        const window = await withStoredReal(cell, variants, record, check!);
        if (window.pending) computeBehind = true;
        out.push(window);
      }
      const key = keyOf(endpoint, width);
      if (computeBehind && !behind.has(key)) {
        const running = source.timeline(endpoint, windows)
          .then(() => { failed.delete(key); }, (e: unknown) => { failed.set(key, e instanceof Error ? e : new Error(String(e))); })
          .finally(() => behind.delete(key));
        behind.set(key, running);
      }
      return out;
    },
    async timelineStored(endpoint, windows) {
      const p = await plan(endpoint, windows);
      if (!p) return [];
      const check = new StoredLabelCheck(store, endpoint);
      const out: TimelineWindow[] = [];
      for (const cell of p.cells) {
        const record = p.stored.get(cell.since);
        const variants = (await reusable(record, p.span, p.profiles))?.variants;
        out.push(variants ? await withStoredReal(cell, variants, record, check) : { since: cell.since, until: cell.until, variants: [], pending: true });
      }
      return out;
    },
  };
  return source;
}

/** A window with the real accuracy stored with its record while that holds (StoredLabelCheck); else pending on its labels. */
async function withStoredReal(cell: GridCell, variants: readonly StoredVariant[], record: TimelineWindowRecord | undefined, check: StoredLabelCheck): Promise<TimelineWindow> {
  // No variant (nothing logged in the window): no real accuracy to show.
  if (variants.length === 0) return windowOf(cell, variants, []);
  const figures = record ? await check.figures(cell, decodeReal(record.figures)) : undefined;
  return figures ? windowOf(cell, variants, figures) : { ...windowOf(cell, variants, []), pending: true };
}

/** A window as the page gets it: its prediction side with each variant's real accuracy beside it. */
function windowOf(cell: GridCell, variants: readonly StoredVariant[], real: readonly RealFigure[]): TimelineWindow {
  return {
    since: cell.since, until: cell.until,
    variants: variants.map(({ modelSha256: _sha, ...v }) => {
      const r = real.find((m) => m.variant === v.variant && m.model === v.model && m.version === v.version);
      return { ...v, realAccuracy: r?.accuracy ?? null, labelled: r?.labelled ?? 0 };
    }),
  };
}

type Profiles = ReturnType<typeof currentProfiles>;

/**
 * The reference profiles as they are now, each read once per timeline: what a window is computed
 * with, and the basis (ui-timeline-stored.ts) a stored window must match to be reused.
 */
function currentProfiles(store: MonitoringStore, decoded: Map<string, ReferenceProfile>) {
  const json = new Map<string, Promise<string | undefined>>();
  const read = (sha: string) => {
    let p = json.get(sha);
    if (!p) json.set(sha, p = store.getProfile(sha));
    return p;
  };
  return {
    async load(sha: string): Promise<ReferenceProfile | undefined> {
      const text = await read(sha);
      if (text === undefined) return undefined;
      const hash = profileHashOf(text);
      let profile = decoded.get(hash);
      if (!profile) decoded.set(hash, profile = decodeProfile(text));
      return profile;
    },
    async basis(variants: readonly StoredVariant[]): Promise<string> {
      const hashes = new Map<string, string | undefined>();
      for (const v of variants) {
        const text = await read(v.modelSha256);
        hashes.set(v.modelSha256, text === undefined ? undefined : profileHashOf(text));
      }
      return windowBasis(variants, (sha) => hashes.get(sha));
    },
  };
}

/**
 * A stored window's figures, unless retention removed rows of it since it was read or a profile it
 * used changed; a snapshot of a window not closed yet (openBasis) only while the log is as it was read.
 */
async function reusable(w: TimelineWindowRecord | undefined, log: LogMark, profiles: Profiles): Promise<{ variants: StoredVariant[]; snapshot: boolean } | undefined> {
  if (!w) return undefined;
  const variants = decodeVariants(w.figures);
  const basis = await profiles.basis(variants);
  if (w.basis === basis) return log.first > w.logFirst && log.first > w.since ? undefined : { variants, snapshot: false };
  return w.basis === openBasis(basis, log) ? { variants, snapshot: true } : undefined;
}

async function predictionSide(store: MonitoringStore, endpoint: string, cell: GridCell, profile: (sha: string) => Promise<ReferenceProfile | undefined>): Promise<StoredVariant[]> {
  const report = await buildMonitorReport(store, endpoint, { since: cell.since, until: cell.until }, profile);
  return report.variants.map((v) => ({
    variant: v.variant, model: v.model, version: v.version, modelSha256: v.modelSha256, predictions: v.predictions,
    estimatedAccuracy: v.estimatedAccuracy?.estimated ?? null,
    drift: (v.drift?.tests ?? []).map((t) => ({ name: t.name, value: t.value, threshold: t.threshold, drift: t.drift })),
    separatingTokens: (v.drift?.separatingTokens.current ?? []).slice(0, 10).map((t) => t.token),
  }));
}

/**
 * The store as one timeline computation reads it:
 * - its column scan gives the event loop a turn after each page (an async generator that never
 *   waits for I/O hands its pages over in microtasks, so a window's whole scan ran as one block);
 * - the endpoint's feedback before a time up to `end` comes from `feedback` (the store's answer for
 *   `until: end`, oldest first), filtered as the store's query filters it;
 * - everything else is the store's own, through a Proxy so a class instance keeps its `this`.
 */
function timelineReader(store: MonitoringStore, endpoint: string, end: number, feedback: readonly StoredFeedback[]): MonitoringStore {
  const scan: MonitoringStore['scanPredictionColumns'] = async function* (query, pageSize) {
    for await (const page of store.scanPredictionColumns(query, pageSize)) {
      yield page;
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const listFeedback: MonitoringStore['listFeedback'] = async (q) => {
    const before = q.until ?? Infinity;
    const readOnce = q.endpoint === endpoint && q.since === undefined && q.variant === undefined && q.modelSha256 === undefined && q.last === undefined
      && before <= end;
    return readOnce ? feedback.filter((f) => f.time < before) : store.listFeedback(q);
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'scanPredictionColumns') return scan;
      if (prop === 'listFeedback') return listFeedback;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
