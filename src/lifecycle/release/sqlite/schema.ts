import type { Migration } from '../../../registry/sqlite/migrations.js';

/**
 * The controller's own database file (`<home>/controller.sqlite`): releases with their story, and
 * the lease that lets one controller act at a time. Its own file so the controller's writes never
 * wait on the registry's or the prediction log's. Append-only migrations, as the registry's.
 */
export const RELEASE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE releases (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  endpoint TEXT NOT NULL,
  pipeline TEXT,
  challenger TEXT NOT NULL,
  champion TEXT NOT NULL,
  base_spec TEXT NOT NULL,
  base_revision INTEGER NOT NULL,
  plan TEXT NOT NULL,
  status TEXT NOT NULL,
  step INTEGER NOT NULL,
  step_since REAL NOT NULL,
  since REAL NOT NULL,
  revision INTEGER NOT NULL,
  intent TEXT,
  reason TEXT NOT NULL,
  approved_by TEXT,
  started_at REAL NOT NULL,
  updated_at REAL NOT NULL,
  rev INTEGER NOT NULL
) STRICT;
-- At most one release per endpoint that is not final: two controllers (or a person and a
-- controller) can never run two releases on one endpoint.
CREATE UNIQUE INDEX releases_one_active ON releases (endpoint) WHERE status IN ('running', 'awaiting-approval');
CREATE TABLE release_events (
  release_id INTEGER NOT NULL REFERENCES releases (id),
  n INTEGER NOT NULL,
  at REAL NOT NULL,
  what TEXT NOT NULL,
  revision INTEGER,
  PRIMARY KEY (release_id, n)
) STRICT;
CREATE TABLE controller_lease (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  epoch INTEGER NOT NULL,
  expires_at REAL NOT NULL
) STRICT;
`,
  },
];
