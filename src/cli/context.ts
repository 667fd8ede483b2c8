import type { Readable, Writable } from 'node:stream';
import { loadSettings, type Settings, type SettingFlags } from '../config/config.js';

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
  settings(flags: SettingFlags): Settings;
}

export interface Verb {
  /** One line for `lading --help`. */
  readonly summary: string;
  /** Full `lading VERB --help` text. */
  readonly help: string;
  run(ctx: CliContext): Promise<number>;
}

export function makeContext(partial: Omit<CliContext, 'settings'>): CliContext {
  return { ...partial, settings: (flags) => loadSettings(flags, partial.env, partial.isTTY) };
}

/** Options every verb accepts. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  home: { type: 'string' },
  threads: { type: 'string' },
  'registry-url': { type: 'string' },
  'registry-schema': { type: 'string' },
} as const;

export const COMMON_HELP = `Common options:
  --home DIR       workspace folder (SQLite + artifacts); env LADING_HOME; default ./.lading
  --threads N      worker threads; env LADING_THREADS; default: all cores
  --registry-url URL   share datasets, models and artifacts in PostgreSQL (postgres://user@host:5432/db)
                   instead of the SQLite workspace; env LADING_REGISTRY_URL
  --registry-schema S  PostgreSQL schema; env LADING_REGISTRY_SCHEMA; default public
  --json           machine-readable output on stdout
  -h, --help       this help`;
