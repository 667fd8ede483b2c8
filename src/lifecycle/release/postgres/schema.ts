import type pg from 'pg';
import { ConflictError } from '../../../core/errors.js';
import { sha256Hex } from '../../../core/hash.js';
import { checkSchemaName } from '../../../registry/postgres/connection.js';

/**
 * Releases and the controller's lease as `lc_*` tables in the registry's PostgreSQL schema, the
 * same columns as sqlite/schema.ts. Times are epoch ms as double precision (the driver returns
 * numbers, as SQLite's REAL); spec, plan and intent are JSON text, read back exactly as written.
 * Append-only: a shipped migration is never edited (its sha256 is stored and checked on open).
 */
export const RELEASE_PG_MIGRATIONS: readonly { readonly version: number; readonly sql: string }[] = [
  {
    version: 1,
    sql: `
CREATE TABLE lc_releases (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  endpoint text NOT NULL,
  pipeline text,
  challenger text NOT NULL,
  champion text NOT NULL,
  base_spec text NOT NULL,
  base_revision integer NOT NULL,
  plan text NOT NULL,
  status text NOT NULL,
  step integer NOT NULL,
  step_since double precision NOT NULL,
  since double precision NOT NULL,
  revision integer NOT NULL,
  intent text,
  reason text NOT NULL,
  approved_by text,
  started_at double precision NOT NULL,
  updated_at double precision NOT NULL,
  rev integer NOT NULL
);
-- At most one release per endpoint that is not final, whichever machine's controller or person starts it.
CREATE UNIQUE INDEX lc_releases_one_active ON lc_releases (endpoint) WHERE status IN ('running', 'awaiting-approval');
CREATE TABLE lc_release_events (
  release_id integer NOT NULL REFERENCES lc_releases (id),
  n integer NOT NULL,
  at double precision NOT NULL,
  what text NOT NULL,
  revision integer,
  PRIMARY KEY (release_id, n)
);
-- Who took the advisory lock last, and on which server process: holder() trusts a row only while
-- that process still holds the lock (postgres/controller-lease.ts).
CREATE TABLE lc_controller_lease (
  name text PRIMARY KEY,
  holder text NOT NULL,
  backend_pid integer NOT NULL,
  since double precision NOT NULL
);
`,
  },
];

/** pg_advisory_lock class for these migrations (the registry's is 0x1ad1, monitoring's 0x1ad2). */
const MIGRATION_LOCK_CLASS = 0x1ad3;

/**
 * Applies the pending release migrations under a session advisory lock keyed by schema, so two
 * controllers starting together queue. Its own table (lc_schema_migrations): the registry's
 * schema_migrations numbers the registry's steps.
 */
export async function migrateReleasesPg(client: pg.ClientBase, schema: string): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, schema]);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${checkSchemaName(schema)}`);
    await client.query('CREATE TABLE IF NOT EXISTS lc_schema_migrations (version integer PRIMARY KEY, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const applied = new Map((await client.query<{ version: number; sha256: string }>('SELECT version, sha256 FROM lc_schema_migrations')).rows.map((r) => [r.version, r.sha256]));
    for (const [version, sha] of applied) {
      const known = RELEASE_PG_MIGRATIONS.find((m) => m.version === version);
      if (known === undefined || sha256Hex(known.sql) !== sha) {
        throw new ConflictError('release-store-mismatch', `PostgreSQL schema ${schema} has release migration ${version}, which ${known ? 'differs from this lading\'s' : 'this lading does not know (a newer version wrote it)'}`,
          { schema, migration: version }, 'Upgrade lading; migrations are append-only.');
      }
    }
    for (const m of RELEASE_PG_MIGRATIONS.filter((x) => !applied.has(x.version))) {
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO lc_schema_migrations (version, sha256) VALUES ($1, $2)', [m.version, sha256Hex(m.sql)]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, schema]).catch(() => undefined);
  }
}
