// The config module's public face for the layers that only need the settings' types.
export type { Settings, SettingKey } from './settings.js';
export type { SettingFlags, SettingSource, ResolvedSettings } from './load-settings.js';
