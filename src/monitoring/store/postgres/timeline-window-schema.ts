/**
 * Migration 6: the summary of each closed window of the dashboard's monitoring timeline
 * (store/timeline-windows.ts), so a restarted dashboard does not read the whole log again.
 * A table of its own, written a few rows at a time by the dashboard's thread: nothing on the log's path.
 */
export const TIMELINE_WINDOWS_PG = `
CREATE TABLE mon_timeline_windows (
  endpoint text NOT NULL,
  width_ms bigint NOT NULL,
  since bigint NOT NULL,
  basis text NOT NULL,
  log_first bigint NOT NULL,
  figures text NOT NULL,
  computed_at bigint NOT NULL,
  PRIMARY KEY (endpoint, width_ms, since)
);
`;
