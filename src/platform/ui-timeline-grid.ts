/**
 * The fixed time grid the dashboard's monitoring timeline is cut on. Windows are whole cells of a
 * width from a short ladder, aligned on multiples of that width since the epoch (days at UTC
 * midnight), so a window's bounds do not move when the log grows: a cell the log has moved past is
 * read once and its figures kept (ui-timeline.ts), and only the newest cell is ever recomputed.
 * Windows cut as span / N moved with every new prediction, so every window had to be read again.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Widths a timeline's windows may have, smallest first (seconds, so the first minutes of a new endpoint are a series too). */
export const GRID_WIDTHS_MS: readonly number[] = [
  SECOND, 5 * SECOND, 15 * SECOND, 30 * SECOND, MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 28 * DAY,
];

export interface GridCell {
  /** Epoch ms, inclusive. */
  readonly since: number;
  /** Epoch ms, exclusive. */
  readonly until: number;
}

/**
 * The smallest ladder width that cuts [first, end) into at most `windows` widths (aligned cells may
 * then number one more, where the span straddles a boundary); beyond the ladder, whole multiples
 * of its largest width.
 */
export function gridWidth(first: number, end: number, windows: number): number {
  const span = Math.max(end - first, 1);
  for (const w of GRID_WIDTHS_MS) if (Math.ceil(span / w) <= windows) return w;
  const largest = GRID_WIDTHS_MS.at(-1)!;
  return largest * Math.ceil(span / (largest * windows));
}

/** The aligned cells of `width` that cover [first, end), oldest first. */
export function gridCells(first: number, end: number, width: number): GridCell[] {
  const cells: GridCell[] = [];
  for (let since = Math.floor(first / width) * width; since < end; since += width) cells.push({ since, until: since + width });
  return cells;
}
