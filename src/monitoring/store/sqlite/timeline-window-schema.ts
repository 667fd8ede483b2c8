/**
 * Migration 6: the summary of each closed window of the dashboard's monitoring timeline
 * (store/timeline-windows.ts), so a restarted dashboard does not read the whole log again.
 * A table of its own, written a few rows at a time by the dashboard's thread: nothing on the log's path.
 */
export const TIMELINE_WINDOWS_SQLITE = `
CREATE TABLE mon_timeline_windows (
  endpoint TEXT NOT NULL,
  width_ms INTEGER NOT NULL,
  since INTEGER NOT NULL,
  basis TEXT NOT NULL,
  log_first INTEGER NOT NULL,
  figures TEXT NOT NULL,
  computed_at INTEGER NOT NULL,
  PRIMARY KEY (endpoint, width_ms, since)
) STRICT;
`;
