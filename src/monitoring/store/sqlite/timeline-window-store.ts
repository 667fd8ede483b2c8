import type Database from 'better-sqlite3';
import {
  checkTimelineWindows, pruneTimelineWindows, TIMELINE_WINDOW_COLUMNS, toTimelineWindow,
  type TimelineWindowQuery, type TimelineWindowRecord, type TimelineWindowRow, type TimelineWindowStore,
} from '../timeline-windows.js';

/** The dashboard timeline's closed windows (store/timeline-windows.ts): upserted by key, read by range. */
export class SqliteTimelineWindowStore implements TimelineWindowStore {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    const p = <R>(sql: string) => db.prepare<unknown[], R>(sql);
    this.s = {
      upsert: p(`INSERT INTO mon_timeline_windows (${TIMELINE_WINDOW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (endpoint, width_ms, since) DO UPDATE SET basis = excluded.basis, log_first = excluded.log_first,
        figures = excluded.figures, computed_at = excluded.computed_at`),
      list: p<TimelineWindowRow>(`SELECT ${TIMELINE_WINDOW_COLUMNS} FROM mon_timeline_windows
        WHERE endpoint = @endpoint AND width_ms = @width AND since >= @since AND since < @until ORDER BY since`),
      endpoints: p<{ endpoint: string }>('SELECT DISTINCT endpoint FROM mon_timeline_windows'),
      drop: p('DELETE FROM mon_timeline_windows WHERE endpoint = ? AND since < ?'),
    };
  }

  async saveTimelineWindows(windows: readonly TimelineWindowRecord[]): Promise<void> {
    checkTimelineWindows(windows);
    this.db.transaction(() => {
      for (const w of windows) this.s.upsert.run(w.endpoint, w.widthMs, w.since, w.basis, w.logFirst, w.figures, w.computedAt);
    })();
  }

  async listTimelineWindows(query: TimelineWindowQuery): Promise<TimelineWindowRecord[]> {
    return this.s.list.all({ endpoint: query.endpoint, width: query.widthMs, since: query.since ?? Number.MIN_SAFE_INTEGER, until: query.until ?? Number.MAX_SAFE_INTEGER })
      .map(toTimelineWindow);
  }

  /** After the log's retention: see pruneTimelineWindows. */
  async prune(spans: ReadonlyArray<{ readonly endpoint: string; readonly first: number }>): Promise<void> {
    await pruneTimelineWindows(spans, this.s.endpoints.all().map((r) => r.endpoint), async (endpoint, before) => { this.s.drop.run(endpoint, before); });
  }
}
