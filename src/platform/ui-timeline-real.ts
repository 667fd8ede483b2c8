import { setBounded } from '../core/bounded-map.js';
import { realAccuracy } from '../monitoring/accuracy/real-accuracy.js';
import type { StoredFeedback } from '../monitoring/store/monitoring-store.js';
import type { Labels } from './ui-timeline-feedback.js';
import type { GridCell } from './ui-timeline-grid.js';

type ByModel = ReturnType<typeof realAccuracy>['byModel'];

/** Windows whose figures are kept at most: a dashboard open for months sees a new cell per width every so often; the oldest go first. */
const KEPT_WINDOWS = 8192;

/**
 * Real accuracy per timeline window from the kept feedback (ui-timeline-feedback.ts), worked out
 * again only for a window some label read since touches: on 20,000 labels working out every
 * window on every answer was ~50-100 ms, most of a refresh. A window is keyed by its bounds; a
 * full re-read of the feedback (a new generation) works every window out again.
 */
export class WindowRealAccuracy {
  private readonly kept = new Map<string, { generation: number; lastId: number; byModel: ByModel }>();

  of(endpoint: string, labels: Labels, cell: GridCell): ByModel {
    const key = `${endpoint}\u0000${cell.since}\u0000${cell.until}`;
    const hit = this.kept.get(key);
    if (hit && hit.generation === labels.generation && !labels.rows.some((f) => f.id > hit.lastId && counts(f, cell))) {
      hit.lastId = labels.lastId;
      return hit.byModel;
    }
    const byModel = windowRealAccuracy(labels.rows, cell);
    setBounded(this.kept, key, { generation: labels.generation, lastId: labels.lastId, byModel }, KEPT_WINDOWS);
    return byModel;
  }
}

/** As buildMonitorReport counts a label for a window: given before the window's end, for a prediction in it. */
export const counts = (f: StoredFeedback, cell: GridCell) => f.time < cell.until && f.prediction !== null && f.prediction.at >= cell.since;

/**
 * Real accuracy per variant and model version over one window, as buildMonitorReport works it out:
 * labels given before the window's end whose prediction is in the window, the newest per prediction.
 */
export function windowRealAccuracy(feedback: readonly StoredFeedback[], cell: GridCell): ByModel {
  return realAccuracy(feedback.filter((f) => counts(f, cell))).byModel;
}
