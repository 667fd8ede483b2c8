import { resolve } from 'node:path';
import type { DatasetStats, DatasetVersion } from '../core/dataset.js';
import { InputError } from '../core/errors.js';
import { requireTableFormat } from '../data/file-format.js';
import { checkLabelLevels, parseLevels } from '../data/levels.js';
import { readLabelledFile } from '../data/read-labelled-file.js';
import { withWorkspace } from '../platform/index.js';
import { withRegistry } from './open-registry.js';
import { parseVerbArgs, positionalArgs, requireFlag } from './args.js';
import { runSubcommand } from './subcommands.js';
import { COMMON_HELP, COMMON_OPTIONS, type CliContext, type Verb } from './context.js';
import { table, utcTime, writeJson, writeLine } from './output.js';

const IMPORT_HELP = `Usage: lading data import FILE [--text COL] [--label COL [--label COL2 | --label a,b]] [--levels 2,4,6] [options]

Reads a labelled CSV (header row required, RFC 4180 quoting) or JSON Lines file (.jsonl, .ndjson,
.json-lines), checks every row, and stores it as an immutable dataset version named by its content
(the same rows give the same id, whether they came from CSV or JSONL). A bad file stores nothing:
the error names the file, line and column.

Options:
  --text COL       the text column (default "text")
  --label COL      a label column; repeat or separate with commas; the first is the primary label
                   (default "label", as in \`lading train\`)
  --levels L       prefix lengths of hierarchical primary labels, e.g. 2,4,6 for HS6 codes
                   (chapter, heading, subheading); recorded with the dataset version
${COMMON_HELP}`;

const LIST_HELP = `Usage: lading data list [options]

Lists the dataset versions in the workspace, oldest first. With --json: an array of versions
(statistics without the full label histograms; use \`lading data show\` for those).

${COMMON_HELP}`;

const SHOW_HELP = `Usage: lading data show DATASET [options]

Shows one dataset version: where it came from, its columns and statistics (label histogram head,
duplicates, conflicting labels, empty and overlong texts). DATASET is an id from \`lading data list\`
or a unique prefix of one (with or without "ds-").

${COMMON_HELP}`;

const OVERVIEW_HELP = `Usage: lading data <import|list|show> [options]

Dataset versions: import a labelled CSV/JSONL file, list the versions, show one.

  lading data import FILE [--text COL] [--label COL] [--levels 2,4,6]
  lading data list
  lading data show DATASET

Run \`lading data <subcommand> --help\` for the options of each.`;

const SUBCOMMANDS: Readonly<Record<string, (ctx: CliContext, argv: readonly string[]) => Promise<number>>> = {
  import: runImport,
  list: runList,
  show: runShow,
};

export const verb: Verb = {
  summary: 'import, list and show dataset versions',
  help: OVERVIEW_HELP,
  run: (ctx) => runSubcommand('data', OVERVIEW_HELP, SUBCOMMANDS, ctx),
};

const IMPORT_OPTIONS = {
  ...COMMON_OPTIONS,
  text: { type: 'string', default: 'text' },
  label: { type: 'string', multiple: true },
  levels: { type: 'string' },
} as const;

async function runImport(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('data import', argv, IMPORT_OPTIONS);
  if (values.help) { writeLine(ctx.stdout, IMPORT_HELP); return 0; }
  const file = onePositional('data import', positionals, 'FILE');
  const textColumn = requireFlag('data import', values.text, '--text');
  const labels = (values.label ?? ['label']).flatMap((l) => l.split(',')).map((l) => l.trim()).filter((l) => l !== '');
  if (labels.length === 0) throw new InputError('missing-flag', 'lading data import: --label needs at least one column name', { flag: '--label' });
  const levels = values.levels !== undefined ? parseLevels(values.levels) : undefined;
  const settings = ctx.settings(values);

  // Read and check everything before the workspace is even opened: a bad file changes nothing.
  const path = resolve(file);
  const format = requireTableFormat(path);
  const rows = await readLabelledFile(path, { text: textColumn, labels });
  if (levels !== undefined) checkLabelLevels(rows, levels, path);

  const { version, created } = await withRegistry(ctx, values, (registry) =>
    registry.saveDataset(rows, { file: path, format }, levels !== undefined ? { levels } : {}));
  if (values.json) {
    writeJson(ctx.stdout, { created, dataset: version });
    return 0;
  }
  writeLine(ctx.stdout, `${created ? 'imported new dataset version' : 'already stored (same content), nothing changed:'} ${version.id}`);
  writeLine(ctx.stdout);
  writeLine(ctx.stdout, describeVersion(version));
  return 0;
}

async function runList(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('data list', argv, COMMON_OPTIONS);
  if (values.help) { writeLine(ctx.stdout, LIST_HELP); return 0; }
  if (positionals.length > 0) throw new InputError('bad-arguments', `lading data list takes no arguments, got "${positionals.join(' ')}"`, {});
  const settings = ctx.settings(values);
  const versions = await withWorkspace(settings, (registry) => registry.listDatasets());
  if (values.json) {
    writeJson(ctx.stdout, versions.map(summarised));
    return 0;
  }
  if (versions.length === 0) {
    writeLine(ctx.stdout, `no dataset versions in ${settings.home}; import one with \`lading data import FILE --text COL --label COL\``);
    return 0;
  }
  writeLine(ctx.stdout, table(
    ['id', 'created', 'rows', 'text', 'labels (classes)', 'source'],
    versions.map((v) => [
      v.id, utcTime(v.createdAt), v.stats.rows, v.textColumn,
      v.labelColumns.map((c) => `${c} (${v.stats.classes[c] ?? '?'})`).join(', '), v.source.file,
    ]),
  ));
  return 0;
}

async function runShow(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('data show', argv, COMMON_OPTIONS);
  if (values.help) { writeLine(ctx.stdout, SHOW_HELP); return 0; }
  const ref = onePositional('data show', positionals, 'DATASET');
  const settings = ctx.settings(values);
  const version = await withWorkspace(settings, (registry) => registry.getDataset(ref));
  if (values.json) writeJson(ctx.stdout, version);
  else writeLine(ctx.stdout, describeVersion(version));
  return 0;
}

function onePositional(verb: string, positionals: readonly string[], name: string): string {
  return positionalArgs(verb, positionals, [name])[0]!;
}

/** A version for `list --json`: the full histograms and conflict examples are left to `show`. */
function summarised(v: DatasetVersion): unknown {
  const { labelHistogram: _histogram, conflictExamples: _examples, ...stats } = v.stats;
  return { ...v, stats };
}

const HEAD = 10;
const CONFLICT_EXAMPLES = 5;

function describeVersion(v: DatasetVersion): string {
  const s: DatasetStats = v.stats;
  const facts: [string, string][] = [
    ['id', v.id],
    ['created', utcTime(v.createdAt)],
    ['source', `${v.source.file} (${v.source.format})`],
    ['rows', String(s.rows)],
    ['text column', v.textColumn],
    ['label columns', v.labelColumns.map((c) => `${c} (${s.classes[c] ?? '?'} classes)`).join(', ')],
    ...(v.levels ? [['levels', v.levels.join(',')] as [string, string]] : []),
    ['duplicates', `${s.duplicateRows} rows repeat an earlier text (after normalisation)`],
    ['conflicts', `${s.conflictingTexts} texts carry more than one ${v.labelColumns[0] ?? 'label'}`],
    ['empty texts', String(s.emptyTexts)],
    ['overlong texts', `${s.overlongTexts} (longer than ${s.overlongThreshold} characters)`],
    ['text length', `min ${s.textLength.min}, median ${s.textLength.median}, max ${s.textLength.max} characters; tokens median ${s.tokens.median}, max ${s.tokens.max}`],
    ['content sha256', v.contentSha256],
  ];
  const width = Math.max(...facts.map(([k]) => k.length));
  const parts = [facts.map(([k, val]) => `${k.padEnd(width)}  ${val}`).join('\n')];
  for (const column of v.labelColumns) {
    const histogram = s.labelHistogram[column] ?? [];
    parts.push(`Top labels of ${column} (${Math.min(HEAD, histogram.length)} of ${histogram.length}):`);
    parts.push(table(['label', 'rows', 'share'], histogram.slice(0, HEAD).map((h) => [h.label, h.count, `${((100 * h.count) / Math.max(s.rows, 1)).toFixed(1)}%`])));
  }
  if (s.conflictExamples.length > 0) {
    parts.push(`Conflicting texts (${Math.min(CONFLICT_EXAMPLES, s.conflictExamples.length)} of ${s.conflictingTexts}):`);
    parts.push(table(['text', 'labels'], s.conflictExamples.slice(0, CONFLICT_EXAMPLES).map((c) => [
      c.text.length > 60 ? `${c.text.slice(0, 57)}...` : c.text,
      c.labels.map((l) => `${l.label} x${l.count}`).join(', '),
    ])));
  }
  return parts.join('\n\n');
}
