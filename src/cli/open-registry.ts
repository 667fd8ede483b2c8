import { userInfo } from 'node:os';
import type { SettingFlags } from '../config/config.js';
import { withWorkspace } from '../platform.js';
import type { Workspace } from '../registry/workspace.js';
import type { CliContext } from './context.js';

/** Opens the workspace the settings name (SQLite under --home, or PostgreSQL), runs `work`, always closes it. */
export function withRegistry<T>(ctx: CliContext, values: SettingFlags, work: (ws: Workspace) => Promise<T>): Promise<T> {
  return withWorkspace(ctx.settings(values), work);
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
