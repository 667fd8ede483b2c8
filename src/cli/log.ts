import { resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import { CSV_COLUMNS, predictionCsvLine, predictionJsonLine, type ExportFormat } from '../monitoring/log/export-format.js';
import { parseTimeSpec } from '../monitoring/log/time-spec.js';
import { retentionPolicy, withMonitoringStore } from '../platform/index.js';
import { parseVerbArgs, requireFlag } from './args.js';
import { runSubcommand } from './subcommands.js';
import { COMMON_HELP, COMMON_OPTIONS, type CliContext, type Verb } from './context.js';
import { table, writeJson, writeLine } from './output.js';
import { writeExport } from './write-export.js';

const EXPORT_HELP = `Usage: lading log export --endpoint E --since T [--until T] [--format jsonl|csv] [--out FILE] [options]

Writes the prediction log of one endpoint (what \`lading serve\` answered: request id, time, variant,
model and version, text or only its sha256, label, score, top 5, latency, text statistics, and
under a taxonomy \`answered\`: the code that went back, which a remap may have renamed) for
[since, until), oldest first, read in pages so any size streams in flat memory. To stdout, or to
FILE (written under a temporary name and renamed when complete).

Options:
  --endpoint E       the endpoint (required)
  --since T          ISO-8601 (2026-12-04, 2026-12-04T18:00:00Z) or a span back from now (30m, 1h, 7d) (required)
  --until T          same forms; default now
  --format F         jsonl (default) or csv (top_k as label:score|label:score)
  --variant V        only this variant
  --shadow           shadow rows (what a shadow variant would have answered) instead of primary ones
  --out FILE         write to FILE instead of stdout
${COMMON_HELP}`;

const PRUNE_HELP = `Usage: lading log prune [--log-retention-days D] [--log-retention-rows N] [options]

Applies the prediction log's retention now (a serving process also does it hourly): deletes
logged predictions older than logRetentionDays (default 30; 0 = no age limit), then the oldest
beyond logRetentionRows (default 10000000; 0 = no limit). Prints how many rows went.
${COMMON_HELP}`;

const LIST_HELP = `Usage: lading log list [options]

The endpoints with logged predictions: rows, first and last time.
${COMMON_HELP}`;

const OVERVIEW_HELP = `Usage: lading log <export|prune|list> [options]

The prediction log every \`lading serve\` writes (see \`lading serve --help\`).

  lading log export --endpoint E --since T [--until T] [--format jsonl|csv] [--out FILE]
  lading log prune [--log-retention-days D] [--log-retention-rows N]
  lading log list

Run \`lading log <subcommand> --help\` for the options of each.`;

const SUBCOMMANDS: Readonly<Record<string, (ctx: CliContext, argv: readonly string[]) => Promise<number>>> = {
  export: runExport,
  prune: runPrune,
  list: runList,
};

export const verb: Verb = {
  summary: 'export, list and prune the prediction log',
  help: OVERVIEW_HELP,
  run: (ctx) => runSubcommand('log', OVERVIEW_HELP, SUBCOMMANDS, ctx),
};

const EXPORT_OPTIONS = {
  ...COMMON_OPTIONS,
  endpoint: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  format: { type: 'string', default: 'jsonl' },
  variant: { type: 'string' },
  shadow: { type: 'boolean', default: false },
  out: { type: 'string' },
} as const;

async function runExport(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values } = parseVerbArgs('log export', argv, EXPORT_OPTIONS, false);
  if (values.help) { writeLine(ctx.stdout, EXPORT_HELP); return 0; }
  const endpoint = requireFlag('log export', values.endpoint, '--endpoint');
  const now = Date.now();
  const since = parseTimeSpec(requireFlag('log export', values.since, '--since'), '--since', now);
  const until = values.until !== undefined ? parseTimeSpec(values.until, '--until', now) : undefined;
  if (until !== undefined && until <= since) {
    throw new InputError('bad-time', `--until (${new Date(until).toISOString()}) must be after --since (${new Date(since).toISOString()})`, { field: '--until' });
  }
  const format = values.format as ExportFormat;
  if (format !== 'jsonl' && format !== 'csv') throw new InputError('bad-flag', `lading log export: --format must be jsonl or csv, got "${values.format}"`, { flag: '--format' });
  const settings = ctx.settings(values);
  const outPath = values.out !== undefined ? resolve(ctx.cwd, values.out) : undefined;
  const rows = await writeExport(ctx, outPath, (write) => withMonitoringStore(settings, async (store) => {
    let n = 0;
    if (format === 'csv') await write(`${CSV_COLUMNS.join(',')}\n`);
    const line = format === 'csv' ? predictionCsvLine : predictionJsonLine;
    for await (const page of store.scanPredictions({ endpoint, since, until, variant: values.variant, role: values.shadow ? 'shadow' : 'primary' })) {
      let chunk = '';
      for (const p of page) chunk += `${line(p)}\n`;
      n += page.length;
      await write(chunk);
    }
    return n;
  }));
  const summary = { endpoint, since: new Date(since).toISOString(), until: until !== undefined ? new Date(until).toISOString() : null, format, rows, out: outPath ?? null };
  if (outPath !== undefined) {
    if (values.json) writeJson(ctx.stdout, summary);
    else writeLine(ctx.stdout, `wrote ${rows} logged prediction(s) of ${endpoint} to ${outPath}`);
  } else {
    ctx.stderr.write(`exported ${rows} logged prediction(s) of ${endpoint}\n`);
  }
  return 0;
}

const PRUNE_OPTIONS = {
  ...COMMON_OPTIONS,
  'log-retention-days': { type: 'string' },
  'log-retention-rows': { type: 'string' },
} as const;

async function runPrune(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values } = parseVerbArgs('log prune', argv, PRUNE_OPTIONS, false);
  if (values.help) { writeLine(ctx.stdout, PRUNE_HELP); return 0; }
  const settings = ctx.settings(values);
  const policy = retentionPolicy(settings);
  const deleted = await withMonitoringStore(settings, (store) => store.prunePredictions(policy));
  if (values.json) writeJson(ctx.stdout, { deleted, maxAgeDays: settings.logRetentionDays, maxRows: settings.logRetentionRows });
  else writeLine(ctx.stdout, `deleted ${deleted} logged prediction(s) (retention: ${settings.logRetentionDays > 0 ? `${settings.logRetentionDays} days` : 'no age limit'}, ${settings.logRetentionRows > 0 ? `${settings.logRetentionRows} rows` : 'no row limit'})`);
  return 0;
}

async function runList(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values } = parseVerbArgs('log list', argv, COMMON_OPTIONS, false);
  if (values.help) { writeLine(ctx.stdout, LIST_HELP); return 0; }
  const settings = ctx.settings(values);
  const endpoints = await withMonitoringStore(settings, (store) => store.listLoggedEndpoints());
  if (values.json) { writeJson(ctx.stdout, endpoints.map((e) => ({ ...e, first: new Date(e.first).toISOString(), last: new Date(e.last).toISOString() }))); return 0; }
  if (endpoints.length === 0) { writeLine(ctx.stdout, 'no logged predictions yet (`lading serve` logs every answer)'); return 0; }
  writeLine(ctx.stdout, table(['endpoint', 'rows', 'first', 'last'], endpoints.map((e) => [e.endpoint, e.rows, new Date(e.first).toISOString(), new Date(e.last).toISOString()])));
  return 0;
}
