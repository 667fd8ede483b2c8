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
 * profiles give now is computed again. Real accuracy is not stored: labels dated inside an old
 * window may still come (feedback carries its own time), so it is worked out from the feedback on
 * every computation, as before.
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

/** JSON keeps neither NaN, the infinities nor -0 (a drift score may be any): they travel as tagged strings. */
const TAG = '\u0000n:';

export function encodeVariants(variants: readonly StoredVariant[]): string {
  return JSON.stringify(variants, (_k, v: unknown) => (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? `${TAG}${Object.is(v, -0) ? '-0' : String(v)}` : v));
}

export function decodeVariants(figures: string): StoredVariant[] {
  return JSON.parse(figures, (_k, v: unknown) => (typeof v === 'string' && v.startsWith(TAG) ? Number(v.slice(TAG.length)) : v)) as StoredVariant[];
}

/** The stored record of a closed window. */
export function storedWindow(endpoint: string, widthMs: number, since: number, variants: readonly StoredVariant[], basis: string, logFirst: number, now: number): TimelineWindowRecord {
  return { endpoint, widthMs, since, basis, logFirst, figures: encodeVariants(variants), computedAt: now };
}
