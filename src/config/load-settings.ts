import { resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import { flagKey, locateProjectFile, readProjectFile, type ProjectFile } from './project-file.js';
import { SETTINGS, SETTING_KEYS, type SettingKey, type SettingKind, type Settings } from './settings.js';

/** Where a setting's value came from, for error messages and `lading config show`. */
export type SettingSource =
  | { readonly kind: 'flag'; readonly name: string }
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'file'; readonly file: string; readonly line: number; readonly col: number }
  | { readonly kind: 'default' };

/** A verb's parsed flags (node's parseArgs values): only the settings' flags are read. */
export type SettingFlags = Readonly<Record<string, string | boolean | readonly string[] | undefined>>;

export interface SettingsInput {
  readonly flags: SettingFlags;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly isTTY: boolean;
  readonly cwd: string;
  /** The project file when the caller already looked for it (null: there is none); else it is looked for here. */
  readonly project?: ProjectFile | null;
}

export interface ResolvedSettings {
  readonly settings: Settings;
  readonly sources: { readonly [K in SettingKey]: SettingSource };
  readonly projectFile: string | undefined;
  /**
   * "file:line:col" of a part of a setting written in the project file (`locate('monitoring',
   * ['alerts', 2, 'threshold'])`), for errors about a section's contents; undefined when the setting
   * did not come from the file.
   */
  readonly locate: (key: SettingKey, path: readonly (string | number)[]) => string | undefined;
}

export function describeSource(s: SettingSource): string {
  switch (s.kind) {
    case 'flag': return `flag ${s.name}`;
    case 'env': return `env ${s.name}`;
    case 'file': return `${s.file}:${s.line}:${s.col}`;
    case 'default': return 'default';
  }
}

/** Finds and reads the project file the flags and environment name (or ./lading.yaml), if any. */
export function loadProjectFile(flags: SettingFlags, env: SettingsInput['env'], cwd: string): ProjectFile | undefined {
  const flag = flags['project'];
  const path = locateProjectFile(typeof flag === 'string' ? flag : undefined, env['LADING_PROJECT'], cwd);
  return path === undefined ? undefined : readProjectFile(path);
}

/** Precedence: flag, then LADING_* environment variable, then lading.yaml, then the default. */
export function resolveSettings(input: SettingsInput): ResolvedSettings {
  const project = input.project === undefined ? loadProjectFile(input.flags, input.env, input.cwd) : input.project ?? undefined;
  const values: Record<string, unknown> = {};
  const sources: Record<string, SettingSource> = {};
  for (const key of SETTING_KEYS) {
    const spec = SETTINGS[key];
    const fk = flagKey(key);
    const flag = fk !== undefined ? input.flags[fk] : undefined;
    const envText = spec.env !== undefined ? input.env[spec.env] : undefined;
    const entry = project?.entries.get(key);
    let raw: unknown;
    let source: SettingSource;
    let base = input.cwd;
    if (flag !== undefined && spec.flag !== undefined) {
      source = { kind: 'flag', name: spec.flag };
      raw = typeof flag === 'string' ? fromText(spec.kind, flag) : flag;
    } else if (envText !== undefined && envText !== '' && spec.env !== undefined) {
      source = { kind: 'env', name: spec.env };
      raw = fromText(spec.kind, envText);
    } else if (entry !== undefined && project !== undefined) {
      source = { kind: 'file', file: project.path, line: entry.line, col: entry.col };
      raw = entry.value;
      base = project.dir;
    } else {
      source = { kind: 'default' };
      raw = spec.default({ isTTY: input.isTTY, ci: Boolean(input.env['CI']) });
    }
    const parsed = spec.schema.safeParse(raw);
    if (!parsed.success) {
      const shown = spec.secret ? '(hidden)' : JSON.stringify(raw === undefined ? flag ?? envText : raw);
      throw new InputError('bad-setting', `${key} must be ${spec.expect}, got ${shown} (from ${describeSource(source)})`,
        { key, source: describeSource(source) }, hintFor(key, source));
    }
    values[key] = spec.path && typeof parsed.data === 'string' ? resolve(base, parsed.data) : parsed.data;
    sources[key] = source;
  }
  const locate = (key: SettingKey, path: readonly (string | number)[]): string | undefined => {
    const entry = project?.entries.get(key);
    if (project === undefined || entry === undefined || sources[key]?.kind !== 'file') return undefined;
    const at = entry.locate(path);
    return `${project.path}:${at.line}:${at.col}`;
  };
  return { settings: values as unknown as Settings, sources: sources as ResolvedSettings['sources'], projectFile: project?.path, locate };
}

/** Text from a flag or the environment, typed by the setting's kind (the schema then checks the range). */
function fromText(kind: SettingKind, text: string): unknown {
  const t = text.trim();
  switch (kind) {
    case 'string': return text;
    case 'int': return /^[+-]?\d+$/.test(t) ? Number(t) : text;
    case 'number': return t !== '' && Number.isFinite(Number(t)) ? Number(t) : text;
    case 'boolean': {
      const v = t.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      return text;
    }
    case 'section': return text;
  }
}

function hintFor(key: SettingKey, source: SettingSource): string {
  switch (source.kind) {
    case 'flag': return `Fix ${source.name}, or see \`lading config show\`.`;
    case 'env': return `Fix or unset ${source.name}.`;
    case 'file': return `Fix "${key}" at line ${source.line} of ${source.file}.`;
    case 'default': return 'The default did not fit; set it explicitly.';
  }
}
