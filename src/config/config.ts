import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { InputError } from '../core/errors.js';

/**
 * The one place that reads the environment. Everything else receives a typed Settings object.
 * Precedence: command-line flag, then environment variable, then the documented default.
 */
export interface Settings {
  /** Workspace folder: SQLite metadata + artifact folder. Flag --home, env LADING_HOME, default ./.lading */
  readonly home: string;
  /** Worker threads for training and prediction. Flag --threads, env LADING_THREADS, default: all cores. */
  readonly threads: number;
  /** Show a live progress bar (TTY and not CI), else plain progress lines. */
  readonly interactive: boolean;
  /**
   * Shared registry on PostgreSQL (postgres://...) instead of the workspace's SQLite file.
   * Flag --registry-url, env LADING_REGISTRY_URL, default: none (embedded SQLite under home).
   */
  readonly registryUrl: string | undefined;
  /** PostgreSQL schema of the shared registry. Flag --registry-schema, env LADING_REGISTRY_SCHEMA, default public. */
  readonly registrySchema: string;
}

export interface SettingFlags {
  readonly home?: string | undefined;
  readonly threads?: string | undefined;
  readonly 'registry-url'?: string | undefined;
  readonly 'registry-schema'?: string | undefined;
}

export function loadSettings(flags: SettingFlags, env: NodeJS.ProcessEnv, isTTY: boolean): Settings {
  const home = resolve(flags.home ?? env['LADING_HOME'] ?? '.lading');
  const rawThreads = flags.threads ?? env['LADING_THREADS'];
  let threads = availableParallelism();
  if (rawThreads !== undefined) {
    const n = Number(rawThreads);
    if (!Number.isInteger(n) || n < 1 || n > 256) {
      throw new InputError('bad-threads', `threads must be a whole number from 1 to 256, got "${rawThreads}"`, { source: flags.threads !== undefined ? '--threads' : 'LADING_THREADS', value: rawThreads });
    }
    threads = n;
  }
  const interactive = isTTY && !env['CI'];
  const registryUrl = flags['registry-url'] ?? env['LADING_REGISTRY_URL'];
  if (registryUrl !== undefined && !/^postgres(ql)?:\/\//.test(registryUrl)) {
    throw new InputError('bad-registry-url', `the registry URL must be a postgres:// URL, got "${registryUrl}"`,
      { source: flags['registry-url'] !== undefined ? '--registry-url' : 'LADING_REGISTRY_URL' });
  }
  const registrySchema = flags['registry-schema'] ?? env['LADING_REGISTRY_SCHEMA'] ?? 'public';
  return { home, threads, interactive, registryUrl, registrySchema };
}
