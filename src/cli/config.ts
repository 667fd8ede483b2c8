import { InputError } from '../core/errors.js';
import { describeSource } from '../config/load-settings.js';
import { monitorAlertRules } from '../platform/index.js';
import { loadPipelineSpecs } from '../platform/pipelines.js';
import { SETTINGS, SETTING_KEYS, type SettingKey } from '../config/settings.js';
import { parseVerbArgs } from './args.js';
import { COMMON_OPTIONS, type Verb } from './context.js';
import { table, writeJson, writeLine } from './output.js';

/** Every setting's flag, so `config show --port 9000` shows what `serve --port 9000` would use. */
const SETTING_OPTIONS = Object.fromEntries(SETTING_KEYS.flatMap((k) => {
  const flag = SETTINGS[k].flag;
  return flag === undefined ? [] : [[flag.slice(2), { type: SETTINGS[k].kind === 'boolean' ? 'boolean' : 'string' } as const]];
})) as Record<string, { readonly type: 'string' | 'boolean' }>;
const OPTIONS = { ...SETTING_OPTIONS, ...COMMON_OPTIONS } as const;

const HELP = `Usage: lading config show [--json] [any setting's flag]

Prints every effective setting, its value and where it came from: a flag, a LADING_* environment
variable, the project file (file:line:column) or the default. The token and the registry URL's
password are never printed.

Precedence: flag > environment > project file > default. The project file is lading.yaml in the
current folder, or the file named by --project FILE / LADING_PROJECT; it holds settings by key:

  home: ./work          # relative paths are taken from the file's folder
  port: 9000
  pollMs: 500
  pipelines: {}         # training pipelines, checked like everything else (\`lading pipeline --help\`)

Settings:
${table(['key', 'flag', 'env', 'default', 'what'], SETTING_KEYS.map((k) => [k, SETTINGS[k].flag ?? '-', SETTINGS[k].env ?? '-', SETTINGS[k].defaultText, SETTINGS[k].doc]))}`;

export const verb: Verb = {
  summary: 'show the effective settings and where each came from',
  help: HELP,

  async run(ctx) {
    const { values, positionals } = parseVerbArgs('config', ctx.argv, OPTIONS);
    if (values.help) { writeLine(ctx.stdout, HELP); return 0; }
    const [sub, ...extra] = positionals;
    if (sub === undefined) { writeLine(ctx.stderr, HELP); return 2; }
    if (sub !== 'show' || extra.length > 0) {
      throw new InputError('unknown-subcommand', `lading config: expected \`show\`, got "${positionals.join(' ')}"`, { subcommand: sub ?? '' }, 'Run `lading config --help`.');
    }
    const resolved = ctx.resolveSettings(values);
    const { settings, sources, projectFile } = resolved;
    // The alert rules in force, checked as a monitor would check them: a bad rule is the same error, naming its line.
    const alerts = monitorAlertRules(settings.monitoring, (path) => resolved.locate('monitoring', path), projectFile).map((r) => ({
      name: r.name, metric: r.metric, window: r.window.text, comparison: r.comparison, threshold: r.threshold, resolveThreshold: r.resolveThreshold,
      forMs: r.forMs, minSamples: r.minSamples, endpoint: r.endpoint, variant: r.variant,
    }));
    // The pipelines too: a bad one fails here with its key and line, as `lading pipeline` would.
    const pipelines = await loadPipelineSpecs(settings.pipelines, { projectFile, locate: (path) => resolved.locate('pipelines', path) });
    const rows = SETTING_KEYS.map((key) => ({ key, value: shown(key, settings[key]), source: describeSource(sources[key]) }));
    if (values.json) {
      writeJson(ctx.stdout, { projectFile: projectFile ?? null, settings: rows, alertRules: alerts, pipelines });
      return 0;
    }
    writeLine(ctx.stdout, `project file: ${projectFile ?? 'none (no ./lading.yaml)'}`);
    writeLine(ctx.stdout, table(['setting', 'value', 'from'], rows.map((r) => [r.key, r.value === null ? '-' : typeof r.value === 'string' ? r.value : JSON.stringify(r.value), r.source])));
    writeLine(ctx.stdout, '\nalert rules in force (`lading monitor run`, `serve --monitor`):');
    writeLine(ctx.stdout, table(['rule', 'fires when', 'window', 'held', 'resolves at', 'only'], alerts.map((a) => [
      a.name, `${a.metric} ${a.comparison} ${a.threshold}`, a.window, a.forMs > 0 ? `${a.forMs / 1000} s` : '-', String(Number(a.resolveThreshold.toPrecision(6))),
      [a.endpoint, a.variant].filter((x) => x !== null).join('/') || '-',
    ])));
    writeLine(ctx.stdout, `\npipelines: ${pipelines.length > 0 ? pipelines.map((p) => p.name).join(', ') : 'none'} (\`lading pipeline show NAME\` prints one with its defaults)`);
    return 0;
  },
};

/** Secrets are redacted: a token entirely, a URL's password only. */
function shown(key: SettingKey, value: unknown): unknown {
  if (value === undefined) return null;
  if (!SETTINGS[key].secret || typeof value !== 'string') return value;
  if (key === 'registryUrl') return value.replace(/^(\w+:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
  return '***';
}
