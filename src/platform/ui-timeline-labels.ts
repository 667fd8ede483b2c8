import type { MonitoringStore, StoredFeedback } from '../monitoring/store/monitoring-store.js';
import type { Labels } from './ui-timeline-feedback.js';
import type { GridCell } from './ui-timeline-grid.js';
import { counts, type WindowRealAccuracy } from './ui-timeline-real.js';
import type { LabelMark, RealFigure, StoredReal } from './ui-timeline-stored.js';

/** The mark of the feedback as kept (ui-timeline-feedback.ts): rows are distinct items, so their number is the count. */
export const labelMark = (labels: Labels): LabelMark => ({ count: labels.rows.length, lastId: labels.lastId });

/** A window's real accuracy as stored (ui-timeline-stored.ts): what the page shows of it, with the labels it came from. */
export function storedReal(labels: Labels, byModel: ReturnType<WindowRealAccuracy['of']>): StoredReal {
  return { labels: labelMark(labels), byModel: byModel.map((m) => ({ variant: m.variant, model: m.model, version: m.version, accuracy: m.accuracy, labelled: m.labelled })) };
}

export const sameMark = (a: LabelMark | undefined, b: LabelMark): boolean => a !== undefined && a.count === b.count && a.lastId === b.lastId;

/**
 * Whether stored real accuracy still holds, for an answer given before the thread read the
 * endpoint's feedback (after a restart: 20,000 labels are 0.3-1 s to read, and every window waited
 * for them). A mark holds when the feedback at or below its id still counts what it counted (on
 * PostgreSQL a lower id can commit after a higher one was read: then it does not) and no item
 * above it counts in the window (a late label dated inside it). Each mark is checked once per
 * answer: one count and one read of the items since, usually none.
 */
export class StoredLabelCheck {
  private readonly marks = new Map<string, Promise<readonly StoredFeedback[] | undefined>>();

  constructor(private readonly store: Pick<MonitoringStore, 'countFeedback' | 'listFeedback'>, private readonly endpoint: string) {}

  /** The stored figures when they hold for the window, else undefined (it waits for the labels). */
  async figures(cell: GridCell, real: StoredReal | undefined): Promise<readonly RealFigure[] | undefined> {
    if (!real) return undefined;
    const added = await this.since(real.labels);
    return added && !added.some((f) => counts(f, cell)) ? real.byModel : undefined;
  }

  /** The items added above the mark, or undefined when the mark no longer holds. */
  private since(mark: LabelMark): Promise<readonly StoredFeedback[] | undefined> {
    const key = `${mark.count}:${mark.lastId}`;
    let p = this.marks.get(key);
    if (!p) {
      p = (async () => {
        if (await this.store.countFeedback({ endpoint: this.endpoint, throughId: mark.lastId }) !== mark.count) return undefined;
        return this.store.listFeedback({ endpoint: this.endpoint, afterId: mark.lastId });
      })();
      this.marks.set(key, p);
    }
    return p;
  }
}
