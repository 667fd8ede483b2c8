import type pg from 'pg';
import {
  checkTimelineWindows, TIMELINE_WINDOW_COLUMNS, toTimelineWindow,
  type TimelineWindowQuery, type TimelineWindowRecord, type TimelineWindowRow, type TimelineWindowStore,
} from '../timeline-windows.js';
import { inMonitoringTransaction } from './connection.js';

/** The dashboard timeline's closed windows (store/timeline-windows.ts): upserted by key, read by range. */
export class PgTimelineWindowStore implements TimelineWindowStore {
  constructor(private readonly pool: pg.Pool) {}

  async saveTimelineWindows(windows: readonly TimelineWindowRecord[]): Promise<void> {
    checkTimelineWindows(windows);
    if (windows.length === 0) return;
    await inMonitoringTransaction(this.pool, async (client) => {
      for (const w of windows) {
        await client.query(`INSERT INTO mon_timeline_windows (${TIMELINE_WINDOW_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
          ON CONFLICT (endpoint, width_ms, since) DO UPDATE SET basis = excluded.basis, log_first = excluded.log_first,
          figures = excluded.figures, computed_at = excluded.computed_at`,
        [w.endpoint, w.widthMs, w.since, w.basis, w.logFirst, w.figures, w.computedAt]);
      }
    });
  }

  async listTimelineWindows(query: TimelineWindowQuery): Promise<TimelineWindowRecord[]> {
    return (await this.pool.query<TimelineWindowRow>(`SELECT ${TIMELINE_WINDOW_COLUMNS} FROM mon_timeline_windows
      WHERE endpoint = $1 AND width_ms = $2 AND since >= $3 AND since < $4 ORDER BY since`,
    [query.endpoint, query.widthMs, query.since ?? Number.MIN_SAFE_INTEGER, query.until ?? Number.MAX_SAFE_INTEGER])).rows.map(toTimelineWindow);
  }

  /**
   * After the log's retention (as pruneTimelineWindows says): one statement, each endpoint's oldest
   * kept row found through the (endpoint, at) index, not listLoggedEndpoints' count over the log.
   */
  async prune(): Promise<void> {
    await this.pool.query(`DELETE FROM mon_timeline_windows w
      WHERE w.since < COALESCE((SELECT MIN(p.at) FROM mon_predictions p WHERE p.endpoint = w.endpoint), 9223372036854775807)`);
  }
}
