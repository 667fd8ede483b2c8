import type { StoredThresholds } from '../core/confidence-meta.js';

/** How much can be auto-classified at a target precision; the rest goes to a person. */
export interface CoveragePoint {
  readonly targetAccuracy: number;
  /** Share of rows auto-classified (0 when no confidence threshold reaches the target). */
  readonly coverage: number;
  /** Rows auto-classified. */
  readonly rows: number;
  /** Accuracy on the auto-classified rows; null when none are. */
  readonly accuracy: number | null;
  /** Auto-classify rows whose top-1 confidence is >= this; null when no threshold reaches the target. */
  readonly threshold: number | null;
  /** Share of rows routed to a person: 1 - coverage. */
  readonly routedToPerson: number;
}

export const COVERAGE_TARGETS: readonly number[] = [0.95, 0.98, 0.99];

/**
 * Sorts rows by confidence, best first, and for each target finds the largest prefix whose accuracy
 * is at least the target. A prefix may only end where the confidence changes, because a threshold
 * cannot separate rows of equal confidence.
 */
export function accuracyAtCoverage(confidence: Float32Array, correct: Uint8Array, targets: readonly number[] = COVERAGE_TARGETS): CoveragePoint[] {
  const n = confidence.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => confidence[b]! - confidence[a]! || a - b);
  // Prefix ends allowed: after the last row of each run of equal confidence.
  const best = targets.map(() => ({ rows: 0, hits: 0, threshold: null as number | null }));
  let hits = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    hits += correct[i]!;
    const c = confidence[i]!;
    const next = k + 1 < n ? confidence[order[k + 1]!]! : Number.NEGATIVE_INFINITY;
    if (next === c) continue;
    const rows = k + 1;
    const acc = hits / rows;
    for (let t = 0; t < targets.length; t++) {
      // The small tolerance keeps e.g. 19/20 >= 0.95 true despite binary floating point.
      if (acc >= targets[t]! - 1e-12) best[t] = { rows, hits, threshold: c };
    }
  }
  return targets.map((targetAccuracy, t) => {
    const b = best[t]!;
    const coverage = n > 0 ? b.rows / n : 0;
    return {
      targetAccuracy,
      coverage,
      rows: b.rows,
      accuracy: b.rows > 0 ? b.hits / b.rows : null,
      threshold: b.threshold,
      routedToPerson: 1 - coverage,
    };
  });
}

/** What the thresholds stored at training time give on the evaluated rows. */
export interface StoredThresholdCheck {
  /** Validation rows the thresholds were fitted on. */
  readonly fittedOnRows: number;
  readonly points: ReadonlyArray<{
    readonly target: number;
    /** null when no threshold reached the target on validation: nothing is auto-classified. */
    readonly threshold: number | null;
    /** Share of validation rows at or above the threshold (the automation training expected). */
    readonly expectedCoverage: number;
    /** Share of the evaluated rows at or above the threshold. */
    readonly coverage: number;
    readonly rows: number;
    /** Accuracy on those rows; null when none. */
    readonly precision: number | null;
  }>;
}

export function checkStoredThresholds(confidence: Float32Array, correct: Uint8Array, stored: StoredThresholds): StoredThresholdCheck {
  const n = confidence.length;
  return {
    fittedOnRows: stored.rows,
    points: stored.points.map((p) => {
      let rows = 0;
      let hits = 0;
      if (p.threshold !== null) {
        for (let i = 0; i < n; i++) if (confidence[i]! >= p.threshold) { rows++; hits += correct[i]!; }
      }
      return { target: p.target, threshold: p.threshold, expectedCoverage: p.validCoverage, coverage: n > 0 ? rows / n : 0, rows, precision: rows > 0 ? hits / rows : null };
    }),
  };
}
