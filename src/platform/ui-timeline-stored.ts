import { sha256Hex } from '../core/hash.js';
import type { TimelineWindowRecord } from '../monitoring/store/timeline-windows.js';
import type { TimelineVariant } from '../server/routes/ui-backend.js';

/**
 * How the timeline (ui-timeline.ts) keeps a closed window in the monitoring store
 * (mon_timeline_windows) and decides whether a stored one may be reused.
 *
 * A window's prediction side (traffic, drift, the CBPE estimate, separating tokens) depends on its
 * predictions, which no longer change once the window is closed, on the reference profile of each
 * model artifact that answered in it (`lading monitor profile` may replace one), and on the code
 * that computes it. The basis names the last two: this file's revision and each artifact's profile
 * as a hash of its JSON ('-' without one); a stored window whose basis differs from the one the
 * profiles give now is computed again.
 *
 * A window not closed yet (the open one, one not settled) is stored too, as a snapshot: its basis
 * also names the log as it was read (row count, first and last row time, openBasis), so a restarted
 * dashboard reuses it only while nothing was logged or removed since, when it is exactly what
 * reading the window again would give; otherwise it is read again, as before.
 *
 * Real accuracy is stored in each variant's figures (the array older builds read keeps its shape)
 * with the labels it was worked out from, as the count
 * and highest id of the endpoint's feedback read (labels dated inside an old window may still come,
 * so it is no figure of the window's predictions): a restart reuses it while no item at or below
 * that id was added since (countFeedback with throughId still gives the count) and no item added
 * above it counts in the window (ui-timeline-labels.ts).
 */

/** Bump when buildMonitorReport's figures or the stored shape change: every stored window is then computed again once. */
export const STORED_FIGURES_REVISION = 1;

/** One variant of a window apart from real accuracy, with the artifact it answered with (what its basis names). */
export type StoredVariant = Omit<TimelineVariant, 'realAccuracy' | 'labelled'> & { readonly modelSha256: string };

/** The basis of a window whose variants used these artifacts; `profileHash` gives each one's current profile hash (undefined: none). */
export function windowBasis(variants: readonly StoredVariant[], profileHash: (sha: string) => string | undefined): string {
  const shas = [...new Set(variants.map((v) => v.modelSha256))].sort();
  return `r${STORED_FIGURES_REVISION} ${shas.map((s) => `${s}:${profileHash(s) ?? '-'}`).join(' ')}`;
}

export const profileHashOf = (json: string): string => sha256Hex(json).slice(0, 16);

/** The log as a window not closed yet was read: its row count and first and last row time (listLoggedEndpoints' span). */
export interface LogMark { readonly rows: number; readonly first: number; readonly last: number }

/** The basis of a snapshot of a window not closed yet: the profiles' basis and the log it was read from. */
export function openBasis(basis: string, log: LogMark): string {
  return `${basis} open ${log.rows}:${log.first}:${log.last}`;
}

/** The endpoint's feedback a window's real accuracy was worked out from: how many items, the highest id (0: none). */
export interface LabelMark { readonly count: number; readonly lastId: number }

/** A window's real accuracy per variant and model version, as the page gets it (windowOf in ui-timeline.ts). */
export type RealFigure = { readonly variant: string; readonly model: string; readonly version: string; readonly accuracy: number | null; readonly labelled: number };

export interface StoredReal { readonly labels: LabelMark; readonly byModel: readonly RealFigure[] }

/** JSON keeps neither NaN, the infinities nor -0 (a drift score may be any): they travel as tagged strings. */
const TAG = '\u0000n:';

const replacer = (_k: string, v: unknown) => (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? `${TAG}${Object.is(v, -0) ? '-0' : String(v)}` : v);
const reviver = (_k: string, v: unknown) => (typeof v === 'string' && v.startsWith(TAG) ? Number(v.slice(TAG.length)) : v);

/**
 * A variant as stored with its real accuracy: inside each variant, with the labels' mark, so the
 * figures stay the array of variants a build before this one reads (it sees one field more and
 * still works, where a new top-level shape would fail its decode).
 */
type StoredWithReal = StoredVariant & { readonly real?: { readonly accuracy: number | null; readonly labelled: number; readonly labels: LabelMark } };

/** The real figure windowOf (ui-timeline.ts) would show beside a variant. */
const realOf = (real: StoredReal, v: StoredVariant) => real.byModel.find((m) => m.variant === v.variant && m.model === v.model && m.version === v.version);

/** A window's stored figures: its variants and, when worked out, each one's real accuracy with the labels it came from. */
export function encodeFigures(variants: readonly StoredVariant[], real?: StoredReal | undefined): string {
  const rows: readonly StoredWithReal[] = real === undefined ? variants
    : variants.map((v) => ({ ...v, real: { accuracy: realOf(real, v)?.accuracy ?? null, labelled: realOf(real, v)?.labelled ?? 0, labels: real.labels } }));
  return JSON.stringify(rows, replacer);
}

export const encodeVariants = (variants: readonly StoredVariant[]): string => encodeFigures(variants);

/** The variants, and the real accuracy when every variant has it from the same labels (a window without variants has none to show). */
function decodeFigures(figures: string): { variants: StoredVariant[]; real?: StoredReal } {
  const rows = JSON.parse(figures, reviver) as StoredWithReal[];
  const variants = rows.map(({ real: _real, ...v }) => v);
  const labels = rows[0]?.real?.labels;
  if (!labels || !rows.every((v) => v.real !== undefined && v.real.labels.count === labels.count && v.real.labels.lastId === labels.lastId)) return { variants };
  return { variants, real: { labels, byModel: rows.map((v) => ({ variant: v.variant, model: v.model, version: v.version, accuracy: v.real!.accuracy, labelled: v.real!.labelled })) } };
}

export const decodeVariants = (figures: string): StoredVariant[] => decodeFigures(figures).variants;

export const decodeReal = (figures: string): StoredReal | undefined => decodeFigures(figures).real;

/** The stored record of a window (closed, or a snapshot: see openBasis). */
export function storedWindow(endpoint: string, widthMs: number, since: number, variants: readonly StoredVariant[], basis: string, logFirst: number, now: number,
  real?: StoredReal | undefined): TimelineWindowRecord {
  return { endpoint, widthMs, since, basis, logFirst, figures: encodeFigures(variants, real), computedAt: now };
}
