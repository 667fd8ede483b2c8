import { InputError } from '../../core/errors.js';
import type { LoggedPrediction } from '../log/logged-prediction.js';
import type { TextStats } from '../text-stats.js';

/**
 * A window of production as the detectors read it: columns, not objects, so a 100k-prediction
 * window costs a few typed arrays. `texts` entries are null where the endpoint logs no text; the
 * detectors need only the stats, and use texts only to name tokens and show examples.
 */
export interface DriftWindow {
  readonly stats: readonly TextStats[];
  /** The predicted (top) label of each row. */
  readonly labels: readonly string[];
  /** The top score of each row. */
  readonly scores: Float32Array;
  readonly texts: readonly (string | null)[];
}

export function driftWindowFromPredictions(rows: readonly Pick<LoggedPrediction, 'stats' | 'label' | 'score' | 'text'>[]): DriftWindow {
  return {
    stats: rows.map((r) => r.stats),
    labels: rows.map((r) => r.label),
    scores: Float32Array.from(rows, (r) => r.score),
    texts: rows.map((r) => r.text),
  };
}

/** The columns must line up and the window must hold rows: a report over nothing says nothing. */
export function checkDriftWindow(w: DriftWindow, name: string): void {
  const n = w.stats.length;
  const hint = 'build windows with driftWindowFromPredictions, from at least one logged prediction';
  if (n === 0) throw new InputError('drift-empty-window', `the ${name} window holds no predictions`, { window: name }, hint);
  for (const [field, len] of [['labels', w.labels.length], ['scores', w.scores.length], ['texts', w.texts.length]] as const) {
    if (len !== n) throw new InputError('drift-window-shape', `the ${name} window has ${n} stats but ${len} ${field}`, { window: name, field, expected: n, got: len }, hint);
  }
}
