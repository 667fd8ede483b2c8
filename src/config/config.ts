import { resolveSettings, type SettingFlags } from './load-settings.js';
import type { Settings } from './settings.js';

export type { Settings, SettingKey } from './settings.js';
export type { SettingFlags, SettingSource, ResolvedSettings } from './load-settings.js';

/** The effective settings for one set of flags, in `cwd` (the process's folder unless given). */
export function loadSettings(flags: SettingFlags, env: Readonly<Record<string, string | undefined>>, isTTY: boolean, cwd: string = process.cwd()): Settings {
  return resolveSettings({ flags, env, isTTY, cwd }).settings;
}
