import type { SettingFlags } from '../config/config.js';
import { withWorkspace, type PublishOptions } from '../platform/index.js';
import type { Workspace } from '../registry/workspace.js';
import type { CliContext } from './context.js';

/**
 * Opens the workspace the settings name (SQLite under --home, or PostgreSQL), runs `work`, always
 * closes it. What `work` changes (a dataset created, a model registered, approved or rejected, a
 * deployment revision) is published on the bus (--bus-url, else the embedded one under --home).
 */
export function withRegistry<T>(ctx: CliContext, values: SettingFlags, work: (ws: Workspace) => Promise<T>): Promise<T> {
  return withWorkspace(ctx.settings(values), work, { publish: publishing(ctx) });
}

/** How a verb's changes are published: a publish that failed is a warning on stderr, never the verb's failure (the change is done). */
export function publishing(ctx: CliContext): PublishOptions {
  return { warn: (line) => { ctx.stderr.write(`${line}\n`); } };
}

/**
 * Who is acting, as recorded in the audit log: the `actor` setting (--actor where the verb has it,
 * else LADING_ACTOR, else lading.yaml, else the login name), the same in every verb.
 */
export function actorOf(ctx: CliContext, values: SettingFlags): string {
  return ctx.settings(values).actor;
}
