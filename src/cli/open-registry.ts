import type { SettingFlags } from '../config/config.js';
import { withWorkspace } from '../platform/index.js';
import type { Workspace } from '../registry/workspace.js';
import type { CliContext } from './context.js';

/** Opens the workspace the settings name (SQLite under --home, or PostgreSQL), runs `work`, always closes it. */
export function withRegistry<T>(ctx: CliContext, values: SettingFlags, work: (ws: Workspace) => Promise<T>): Promise<T> {
  return withWorkspace(ctx.settings(values), work);
}

/**
 * Who is acting, as recorded in the audit log: the `actor` setting (--actor where the verb has it,
 * else LADING_ACTOR, else lading.yaml, else the login name), the same in every verb.
 */
export function actorOf(ctx: CliContext, values: SettingFlags): string {
  return ctx.settings(values).actor;
}
