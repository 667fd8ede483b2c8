import type { PgMigration } from '../../registry/postgres/migrate.js';

/** The offline store's fixed tables in the registry's schema, numbered in fs_schema_migrations; views' history tables are made by apply. */
export const FEATURE_MIGRATIONS_PG: readonly PgMigration[] = [{
  version: 1,
  name: 'feature store',
  sql: `
    CREATE TABLE fs_views (
      name text NOT NULL, version integer NOT NULL, spec text NOT NULL, sha256 text NOT NULL,
      created_at text NOT NULL, created_by text NOT NULL, reason text, PRIMARY KEY (name, version)
    );
    CREATE TABLE fs_entities (entity text NOT NULL, key text NOT NULL, id integer NOT NULL, PRIMARY KEY (entity, key), UNIQUE (entity, id));
    CREATE TABLE fs_sequence (view text PRIMARY KEY, next_seq bigint NOT NULL);
    CREATE TABLE fs_audit (
      id bigserial PRIMARY KEY, at text NOT NULL, actor text NOT NULL, action text NOT NULL,
      view text NOT NULL, version integer NOT NULL, detail text NOT NULL
    );
  `,
}];

export const PG_TYPES = { string: 'text', int: 'bigint', float: 'double precision', bool: 'boolean' } as const;
/** What each type's column is read as, so that a bigint arrives as a number rather than a string. */
export const PG_READ = { string: '', int: '::float8', float: '', bool: '' } as const;
