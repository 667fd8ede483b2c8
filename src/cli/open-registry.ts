import { userInfo } from 'node:os';
import { computeDatasetStats } from '../data/dataset-stats.js';
import { InputError } from '../core/errors.js';
import { openPgWorkspace } from '../registry/postgres/open-pg-workspace.js';
import { openSqliteWorkspace } from '../registry/sqlite/open-sqlite-workspace.js';
import type { Workspace } from '../registry/workspace.js';
import type { CliContext } from './context.js';

/** Options of the verbs that use the model registry (`models`, `gc`). */
export const REGISTRY_OPTIONS = {
  'registry-url': { type: 'string' },
  'registry-schema': { type: 'string' },
} as const;

export const REGISTRY_HELP = `Registry options:
  --registry-url URL     use the PostgreSQL registry at URL (postgres://user@host:5432/db) instead
                         of the workspace's SQLite file; artifacts then live in PostgreSQL too
  --registry-schema S    PostgreSQL schema (default public)`;

/** Opens the workspace (SQLite under --home, or PostgreSQL), runs `work`, always closes it. */
export async function withRegistry<T>(ctx: CliContext, values: { home?: string | undefined; threads?: string | undefined; 'registry-url'?: string | undefined; 'registry-schema'?: string | undefined },
  work: (ws: Workspace) => Promise<T>): Promise<T> {
  const url = values['registry-url'];
  let ws: Workspace;
  if (url !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(url)) throw new InputError('bad-registry-url', `--registry-url must be a postgres:// URL, got "${url}"`, { flag: '--registry-url' });
    ws = await openPgWorkspace({ url, schema: values['registry-schema'] ?? 'public', describeDataset: (rows) => computeDatasetStats(rows) });
  } else {
    ws = openSqliteWorkspace(ctx.settings({ home: values.home, threads: values.threads }).home);
  }
  try {
    return await work(ws);
  } finally {
    ws.close();
  }
}

/** Who is acting: --actor, else the login name (recorded in the audit log). */
export function actorOf(flag: string | undefined): string {
  if (flag !== undefined && flag.trim() !== '') return flag;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
