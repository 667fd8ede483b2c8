import type { TimelineWindow, UiMonitoring } from '../server/routes/ui-backend.js';
import { ReusedAnswers } from './ui-reused-answers.js';
import { gridCells, gridWidth } from './ui-timeline-grid.js';
import type { TimelineSource } from './ui-timeline.js';

export interface UiMonitoringOptions {
  /** How long a complete timeline is reused before a newer one is computed behind it. */
  readonly reuseMs?: number;
  /**
   * How long a caller waits for the source (undefined: as long as it takes). Past it, the caller
   * gets the key's last answer, or every window pending, and the source's answer is kept for the next.
   */
  readonly answerWithinMs?: number | undefined;
  /**
   * Past answerWithinMs, for a key the source never answered yet: the timeline from the store alone
   * (TimelineSource.timelineStored, read here), instead of every window pending. After a restart
   * the source's thread takes a few hundred ms to start; the windows it stored before are complete
   * all the same.
   */
  readonly stored?: ((endpoint: string, windows: number) => Promise<Timeline>) | undefined;
}

type Timeline = readonly TimelineWindow[];

/**
 * The dashboard's monitoring reads over a timeline source (ui-timeline.ts, in this thread or the
 * dashboard's own, ui-work.ts): each endpoint's timeline on each grid width is computed once and
 * reused for a while; when it is stale the next caller still gets it at once and a newer one is
 * computed behind it (ui-reused-answers.ts). Window counts that give the same grid (8 to 13 over a
 * week: days) give the same windows, so they share one answer. An answer with pending windows is
 * not reused: the dashboard's thread answers at once and the page asks again until they are filled.
 *
 * With `answerWithinMs`, no caller waits longer than that: the dashboard's thread answers from what
 * it keeps, but it computes in the same thread, and one step of that (a window's drift report, the
 * first read of 20,000 labels) or the thread's own start can hold an answer for a few hundred ms.
 */
export function uiMonitoring(source: Pick<TimelineSource, 'endpoints' | 'timeline'>, options: UiMonitoringOptions = {}): UiMonitoring {
  const answers = new ReusedAnswers<Timeline>(options.reuseMs ?? REUSE_MS);
  // The last answer the source gave per key, and a failure that came after its caller was answered (told to the next one).
  const latest = new Map<string, Timeline>();
  const failed = new Map<string, unknown>();
  return {
    endpoints: () => source.endpoints(),
    async timeline(endpoint, windows) {
      const span = (await source.endpoints()).find((e) => e.endpoint === endpoint);
      if (!span) return [];
      const width = gridWidth(span.first, span.last + 1, windows);
      const key = `${endpoint}\u0000${width}`;
      if (failed.has(key)) {
        const e = failed.get(key);
        failed.delete(key);
        throw e;
      }
      const answer = answers.get(key, () => source.timeline(endpoint, windows)).then((a) => {
        latest.set(key, a);
        // Windows still pending (a source answering at once, ui-timeline.ts' timelineNow): not kept, so the next caller gets them as they fill in.
        if (a.some((w) => w.pending)) answers.forget(key);
        return a;
      });
      if (options.answerWithinMs === undefined) return answer;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), options.answerWithinMs); });
      const first = await Promise.race([answer, late]).finally(() => clearTimeout(timer));
      if (first) return first;
      answer.catch((e: unknown) => { failed.set(key, e); });
      const kept = latest.get(key) ?? await options.stored?.(endpoint, windows).catch(() => undefined);
      return kept ?? gridCells(span.first, span.last + 1, width).map((c) => ({ since: c.since, until: c.until, variants: [], pending: true as const }));
    },
  };
}

/** How long a computed timeline is reused before a newer one is computed behind it (the newest window keeps filling meanwhile). */
const REUSE_MS = 15_000;
