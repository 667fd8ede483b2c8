import type { UiMonitoring } from '../server/routes/ui-backend.js';
import { ReusedAnswers } from './ui-reused-answers.js';
import { gridWidth } from './ui-timeline-grid.js';
import type { TimelineSource } from './ui-timeline.js';

/**
 * The dashboard's monitoring reads over a timeline source (ui-timeline.ts, in this thread or the
 * dashboard's own, ui-work.ts): each endpoint's timeline on each grid width is computed once and
 * reused for a while; when it is stale the next caller still gets it at once and a newer one is
 * computed behind it (ui-reused-answers.ts). Window counts that give the same grid (8 to 13 over a
 * week: days) give the same windows, so they share one answer. An answer with pending windows is
 * not reused: the dashboard's thread answers at once and the page asks again until they are filled.
 */
export function uiMonitoring(source: Pick<TimelineSource, 'endpoints' | 'timeline'>, options: { readonly reuseMs?: number } = {}): UiMonitoring {
  const answers = new ReusedAnswers<Awaited<ReturnType<TimelineSource['timeline']>>>(options.reuseMs ?? REUSE_MS);
  return {
    endpoints: () => source.endpoints(),
    async timeline(endpoint, windows) {
      const span = (await source.endpoints()).find((e) => e.endpoint === endpoint);
      if (!span) return [];
      const width = gridWidth(span.first, span.last + 1, windows);
      const key = `${endpoint}\u0000${width}`;
      const answer = await answers.get(key, () => source.timeline(endpoint, windows));
      // Windows still pending (a source answering at once, ui-timeline.ts' timelineNow): not kept, so the next caller gets them as they fill in.
      if (answer.some((w) => w.pending)) answers.forget(key);
      return answer;
    },
  };
}

/** How long a computed timeline is reused before a newer one is computed behind it (the newest window keeps filling meanwhile). */
const REUSE_MS = 15_000;
