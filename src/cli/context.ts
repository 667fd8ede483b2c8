import type { Readable, Writable } from 'node:stream';
import type { Settings } from '../config/config.js';
import { loadProjectFile, resolveSettings, type ResolvedSettings, type SettingFlags } from '../config/load-settings.js';
import type { ProjectFile } from '../config/project-file.js';

/**
 * What a verb gets: its arguments, where to write, and an AbortSignal raised by Ctrl-C. Verbs
 * never touch process.* themselves (only cli/main.ts does), so tests run them in-process.
 */
export interface CliContext {
  readonly argv: readonly string[];
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdin: Readable;
  readonly env: NodeJS.ProcessEnv;
  readonly isTTY: boolean;
  readonly signal: AbortSignal;
  /** Folder the command runs in: relative paths and ./lading.yaml are taken from here. */
  readonly cwd: string;
  /** The effective settings for the verb's parsed flags (flag > LADING_* env > lading.yaml > default). */
  settings(flags: SettingFlags): Settings;
  /** The same, with where each value came from. */
  resolveSettings(flags: SettingFlags): ResolvedSettings;
}

export interface Verb {
  /** One line for `lading --help`. */
  readonly summary: string;
  /** Full `lading VERB --help` text. */
  readonly help: string;
  run(ctx: CliContext): Promise<number>;
}

export function makeContext(partial: Omit<CliContext, 'settings' | 'resolveSettings' | 'cwd'> & { readonly cwd?: string }): CliContext {
  const cwd = partial.cwd ?? process.cwd();
  // The project file is read once per command, whichever verb asks how often.
  const projects = new Map<string, ProjectFile | undefined>();
  const resolve = (flags: SettingFlags): ResolvedSettings => {
    const named = `${String(flags['project'] ?? '')}\0${partial.env['LADING_PROJECT'] ?? ''}`;
    if (!projects.has(named)) projects.set(named, loadProjectFile(flags, partial.env, cwd));
    return resolveSettings({ flags, env: partial.env, isTTY: partial.isTTY, cwd, project: projects.get(named) ?? null });
  };
  return { ...partial, cwd, resolveSettings: resolve, settings: (flags) => resolve(flags).settings };
}

/** Options every verb accepts. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  home: { type: 'string' },
  threads: { type: 'string' },
  'registry-url': { type: 'string' },
  'registry-schema': { type: 'string' },
  'bus-url': { type: 'string' },
  project: { type: 'string' },
} as const;

export const COMMON_HELP = `Common options:
  --home DIR       workspace folder (SQLite + artifacts); env LADING_HOME; default ./.lading
  --threads N      worker threads; env LADING_THREADS; default: all cores
  --registry-url URL   share datasets, models and artifacts in PostgreSQL (postgres://user@host:5432/db)
                   instead of the SQLite workspace; env LADING_REGISTRY_URL
  --registry-schema S  PostgreSQL schema; env LADING_REGISTRY_SCHEMA; default public
  --bus-url URL    publish lifecycle events (datasets, models, deployments, feedback, alerts) on NATS
                   JetStream (nats://...); env LADING_BUS_URL; default the embedded bus, <home>/bus.sqlite
  --project FILE   project file (settings in YAML); env LADING_PROJECT; default ./lading.yaml if present
  --json           machine-readable output on stdout
  -h, --help       this help
Settings come from flags, then LADING_* variables, then lading.yaml (see \`lading config show\`).`;
