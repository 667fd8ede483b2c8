import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { computeDatasetStats } from '../../../src/data/dataset-stats.js';
import { openPgWorkspace } from '../../../src/registry/postgres/open-workspace.js';
import { openEmbeddedWorkspace } from '../../../src/platform/index.js';
import type { Workspace } from '../../../src/registry/workspace.js';

/** How to reach one back-end: passed to child processes as JSON. */
export type BackendSpec =
  | { readonly kind: 'sqlite'; readonly home: string }
  | { readonly kind: 'pg'; readonly url: string; readonly schema: string };

export async function openFromSpec(spec: BackendSpec): Promise<Workspace> {
  if (spec.kind === 'sqlite') return openEmbeddedWorkspace(spec.home);
  return openPgWorkspace({ url: spec.url, schema: spec.schema, describeDataset: (rows) => computeDatasetStats(rows) });
}

export interface TestBackend {
  readonly name: string;
  readonly spec: BackendSpec;
  /** Runs SQL around the registry (to prove the database itself refuses some changes). */
  rawExec(sql: string): Promise<void>;
  cleanup(): Promise<void>;
}

export function sqliteBackend(): TestBackend {
  const home = mkdtempSync(join(tmpdir(), 'lading-models-'));
  return {
    name: 'sqlite',
    spec: { kind: 'sqlite', home },
    rawExec: async (sql) => {
      const db = new Database(join(home, 'lading.db'));
      try { db.exec(sql); } finally { db.close(); }
    },
    cleanup: async () => rmSync(home, { recursive: true, force: true }),
  };
}

/** A fresh schema per call (lading_test_<random>), dropped by cleanup, so parallel runs never collide. */
export function pgBackend(url: string): TestBackend {
  const schema = `lading_test_${Math.random().toString(36).slice(2, 10)}_${process.pid}`;
  const withClient = async (fn: (c: pg.Client) => Promise<void>) => {
    const c = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
    await c.connect();
    try { await fn(c); } finally { await c.end(); }
  };
  return {
    name: 'postgres',
    spec: { kind: 'pg', url, schema },
    rawExec: (sql) => withClient(async (c) => { await c.query(sql); }),
    cleanup: () => withClient(async (c) => { await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`); }),
  };
}
