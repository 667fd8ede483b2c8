import { resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import { parseTimeSpec } from '../monitoring/log/time-spec.js';
import { importTaxonomyFile, mapTaxonomy, withTaxonomyStore, type MapTaxonomyOutcome } from '../platform/index.js';
import { classifyCorrelation } from '../taxonomy/correlation-kinds.js';
import { TAXONOMY_COLUMN_DEFAULTS } from '../taxonomy/read-taxonomy-file.js';
import { taxonomyRefOf } from '../taxonomy/taxonomy.js';
import { intFlag, parseVerbArgs, positionalArgs } from './args.js';
import { COMMON_HELP, COMMON_OPTIONS, type CliContext, type Verb } from './context.js';
import { actorOf, publishing } from './open-registry.js';
import { runSubcommand } from './subcommands.js';
import { table, utcTime, writeJson, writeLine } from './output.js';

const CHANGE_HELP = `  --actor NAME     who does this, for the audit log (env LADING_ACTOR; default: your login name)
  --reason TEXT    why (recorded in the audit log)`;

const IMPORT_HELP = `Usage: lading taxonomy import NAME FILE [--code COL] [--description COL] [--parent COL]... [options]

Stores a label set (a CSV file, one row per code) as the next version of taxonomy NAME, with each
code's official description and parents. The same content as the latest version stores nothing. A
bad file stores nothing: the error names the file, line and column. The defaults fit the HS
nomenclature file (hs6.csv: label, text, label_4, label_2).

Options:
  --code COL          the code column (default "${TAXONOMY_COLUMN_DEFAULTS.code}")
  --description COL   the description column (default "${TAXONOMY_COLUMN_DEFAULTS.description}")
  --parent COL        a parent column, narrowest first; repeat or separate with commas; "" for none
                      (default "${TAXONOMY_COLUMN_DEFAULTS.parents.join(',')}")
${CHANGE_HELP}
${COMMON_HELP}`;

const LIST_HELP = `Usage: lading taxonomy list [options]

Lists the stored taxonomy versions and correlation tables.

${COMMON_HELP}`;

const SHOW_HELP = `Usage: lading taxonomy show NAME[@N] | CORR-ID [--codes N] [options]

Shows a taxonomy version (its first --codes codes with descriptions and parents, default 10) or a
correlation table (each old code with its kind of change and its new codes).

${COMMON_HELP}`;

const MAP_HELP = `Usage: lading taxonomy map OLD NEW FILE [--dataset D] [--model REF [--since T]] [options]

Stores FILE, a correlation table from taxonomy version OLD to NEW (NAME or NAME@N; CSV with
columns old,new, one row per pair; a split is several rows, or several new codes separated by ";").
Every row is checked first: an unknown old or new code, a repeated row or (within one taxonomy) a
cycle is an error naming the line, and nothing is stored.

  --dataset D       also remap dataset version D into NEW: one-to-one and many-to-one changes are
                    relabelled, labels NEW still has are kept, split rows are left out and sent
                    to the review queue with their candidate codes as suggestions, labels with no
                    way into NEW are left out and counted. The new dataset version's source reads
                    "taxonomy-map:<D> OLD -> NEW via <table id> (...)".
  --review-endpoint E  with --dataset: the review-queue endpoint the split rows go to (default:
                    NEW's name); answers become feedback of E (\`lading feedback to-dataset\`)
  --model REF       report which classes of the registered model (NAME, NAME@ALIAS, NAME@N) change
                    and what share of its logged answers named one of them
  --since T         with --model: only answers since T (ISO time or 7d, 24h...; default: all)
  --show N          split rows and classes listed (default 20; --json lists all)
  --old-column C    the old code column (default "old")
  --new-column C    the new code column (default "new")
${CHANGE_HELP}
${COMMON_HELP}`;

const OVERVIEW_HELP = `Usage: lading taxonomy <import|list|show|map> [options]

Versioned label sets (HS editions, catalogue trees) and the correlation tables between them.

  lading taxonomy import NAME FILE [--code COL] [--description COL] [--parent COL]
  lading taxonomy list
  lading taxonomy show NAME[@N] | CORR-ID
  lading taxonomy map OLD NEW FILE [--dataset D] [--model REF]

Run \`lading taxonomy <subcommand> --help\` for the options of each.`;

export const verb: Verb = {
  summary: 'import taxonomies (label sets) and map datasets and models between their versions',
  help: OVERVIEW_HELP,
  run: (ctx) => runSubcommand('taxonomy', OVERVIEW_HELP, { import: runImport, list: runList, show: runShow, map: runMap }, ctx),
};

const CHANGE_OPTIONS = { ...COMMON_OPTIONS, actor: { type: 'string' }, reason: { type: 'string' } } as const;

const IMPORT_OPTIONS = {
  ...CHANGE_OPTIONS,
  code: { type: 'string' },
  description: { type: 'string' },
  parent: { type: 'string', multiple: true },
} as const;

async function runImport(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('taxonomy import', argv, IMPORT_OPTIONS);
  if (values.help) { writeLine(ctx.stdout, IMPORT_HELP); return 0; }
  const [name, file] = positionalArgs('taxonomy import', positionals, ['NAME', 'FILE']) as [string, string];
  const parents = values.parent?.flatMap((p) => p.split(',')).map((p) => p.trim()).filter((p) => p !== '');
  const { version, created } = await importTaxonomyFile(ctx.settings(values), {
    name, file: resolve(ctx.cwd, file), actor: actorOf(ctx, values), reason: values.reason,
    columns: { ...(values.code !== undefined ? { code: values.code } : {}), ...(values.description !== undefined ? { description: values.description } : {}), ...(parents !== undefined ? { parents } : {}) },
  });
  if (values.json) { writeJson(ctx.stdout, { created, taxonomy: version }); return 0; }
  writeLine(ctx.stdout, `${created ? 'imported new taxonomy version' : 'already stored (same content as the latest version), nothing changed:'} ${taxonomyRefOf(version)}: `
    + `${version.codeCount} codes${version.parentLevels.length > 0 ? `, parents ${version.parentLevels.join(', ')}` : ''}`);
  return 0;
}

async function runList(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('taxonomy list', argv, COMMON_OPTIONS);
  if (values.help) { writeLine(ctx.stdout, LIST_HELP); return 0; }
  positionalArgs('taxonomy list', positionals, []);
  const { taxonomies, correlations } = await withTaxonomyStore(ctx.settings(values), async (store) => ({
    taxonomies: await store.listTaxonomies(), correlations: await store.listCorrelations(),
  }));
  if (values.json) { writeJson(ctx.stdout, { taxonomies, correlations: correlations.map(({ pairs: _pairs, ...c }) => c) }); return 0; }
  if (taxonomies.length === 0) { writeLine(ctx.stdout, 'no taxonomies stored; import one with `lading taxonomy import NAME FILE`'); return 0; }
  writeLine(ctx.stdout, table(['taxonomy', 'codes', 'created', 'by', 'source'],
    taxonomies.map((v) => [taxonomyRefOf(v), v.codeCount, utcTime(v.createdAt), v.createdBy, v.source])));
  if (correlations.length > 0) {
    writeLine(ctx.stdout);
    writeLine(ctx.stdout, table(['correlation', 'from', 'to', 'created', 'by', 'source'],
      correlations.map((c) => [c.id, taxonomyRefOf(c.from), taxonomyRefOf(c.to), utcTime(c.createdAt), c.createdBy, c.source])));
  }
  return 0;
}

const SHOW_OPTIONS = { ...COMMON_OPTIONS, codes: { type: 'string' } } as const;

async function runShow(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('taxonomy show', argv, SHOW_OPTIONS);
  if (values.help) { writeLine(ctx.stdout, SHOW_HELP); return 0; }
  const [ref] = positionalArgs('taxonomy show', positionals, ['NAME[@N] or CORR-ID']) as [string];
  const head = intFlag('taxonomy show', values.codes, '--codes', 10, 0);
  await withTaxonomyStore(ctx.settings(values), async (store) => {
    if (ref.startsWith('corr-')) {
      const t = await store.getCorrelation(ref);
      const changes = [...classifyCorrelation(t.pairs).values()];
      if (values.json) { writeJson(ctx.stdout, { ...t, changes }); return; }
      writeLine(ctx.stdout, `${t.id}: ${taxonomyRefOf(t.from)} -> ${taxonomyRefOf(t.to)}, ${t.pairs.length} rows from ${t.source}, by ${t.createdBy} at ${utcTime(t.createdAt)}${t.reason ? ` (${t.reason})` : ''}`);
      writeLine(ctx.stdout);
      writeLine(ctx.stdout, table(['old', 'change', 'new'], changes.map((c) => [c.oldCode, c.kind, c.targets.join(', ')])));
      return;
    }
    const v = await store.getTaxonomy(ref);
    const codes = await store.getCodes(taxonomyRefOf(v));
    if (values.json) { writeJson(ctx.stdout, { taxonomy: v, codes }); return; }
    writeLine(ctx.stdout, `${taxonomyRefOf(v)}: ${v.codeCount} codes from ${v.source}, by ${v.createdBy} at ${utcTime(v.createdAt)}${v.reason ? ` (${v.reason})` : ''}`);
    writeLine(ctx.stdout, `content sha256 ${v.contentSha256}`);
    writeLine(ctx.stdout);
    writeLine(ctx.stdout, table(['code', ...v.parentLevels, 'description'],
      codes.slice(0, head).map((c) => [c.code, ...c.parents, c.description.length > 70 ? `${c.description.slice(0, 67)}...` : c.description])));
    if (codes.length > head) writeLine(ctx.stdout, `... ${codes.length - head} more (--codes N, or --json for all)`);
  });
  return 0;
}

const MAP_OPTIONS = {
  ...CHANGE_OPTIONS,
  dataset: { type: 'string' },
  model: { type: 'string' },
  since: { type: 'string' },
  show: { type: 'string' },
  'old-column': { type: 'string' },
  'new-column': { type: 'string' },
  'review-endpoint': { type: 'string' },
} as const;

async function runMap(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('taxonomy map', argv, MAP_OPTIONS);
  if (values.help) { writeLine(ctx.stdout, MAP_HELP); return 0; }
  const [from, to, file] = positionalArgs('taxonomy map', positionals, ['OLD', 'NEW', 'FILE']) as [string, string, string];
  if (values.since !== undefined && values.model === undefined) {
    throw new InputError('bad-flag', 'lading taxonomy map: --since applies to --model; name the model', { flag: '--since' }, 'Run `lading taxonomy map --help`.');
  }
  const show = intFlag('taxonomy map', values.show, '--show', 20, 0);
  const out = await mapTaxonomy(ctx.settings(values), {
    from, to, file: resolve(ctx.cwd, file), actor: actorOf(ctx, values), reason: values.reason,
    columns: { ...(values['old-column'] !== undefined ? { old: values['old-column'] } : {}), ...(values['new-column'] !== undefined ? { new: values['new-column'] } : {}) },
    dataset: values.dataset, model: values.model, reviewEndpoint: values['review-endpoint'], since: values.since !== undefined ? parseTimeSpec(values.since, '--since') : undefined,
    publish: publishing(ctx),
  });
  if (values.json) writeJson(ctx.stdout, mapJson(out));
  else renderMap(ctx, out, show);
  return 0;
}

/** The outcome as JSON: the table without its pairs (`taxonomy show` has them), the split rows as review items. */
function mapJson(out: MapTaxonomyOutcome): unknown {
  const { pairs: _pairs, ...table } = out.table;
  const dataset = out.dataset === undefined ? undefined : {
    base: out.dataset.base, id: out.dataset.id, created: out.dataset.created, lineage: out.dataset.result.lineage,
    rows: out.dataset.result.rows.texts.length, mapped: out.dataset.result.mapped, unchanged: out.dataset.result.unchanged,
    unmapped: out.dataset.result.unmapped, droppedColumns: out.dataset.result.droppedColumns, split: out.dataset.result.split, review: out.dataset.review, queued: out.dataset.queued,
  };
  return { table, created: out.created, kinds: out.kinds, ...(dataset !== undefined ? { dataset } : {}), ...(out.model !== undefined ? { model: out.model } : {}) };
}

function renderMap(ctx: CliContext, out: MapTaxonomyOutcome, show: number): void {
  const t = out.table;
  const k = out.kinds;
  writeLine(ctx.stdout, `${out.created ? 'stored correlation table' : 'already stored (same pairs), nothing changed:'} ${t.id}: ${taxonomyRefOf(t.from)} -> ${taxonomyRefOf(t.to)}, `
    + `${k['one-to-one'] + k['many-to-one'] + k['one-to-many']} old codes (${k['one-to-one']} one-to-one, ${k['many-to-one']} many-to-one, ${k['one-to-many']} one-to-many)`);
  if (out.dataset !== undefined) {
    const d = out.dataset;
    const r = d.result;
    writeLine(ctx.stdout);
    writeLine(ctx.stdout, `${d.created ? 'saved new dataset version' : 'already stored (same content):'} ${d.id} from ${d.base}: ${r.rows.texts.length} rows `
      + `(${r.mapped['one-to-one']} relabelled one-to-one, ${r.mapped['many-to-one']} many-to-one, ${r.unchanged} unchanged)`);
    writeLine(ctx.stdout, `lineage: ${r.lineage}`);
    if (r.droppedColumns.length > 0) writeLine(ctx.stdout, `dropped label columns the new taxonomy cannot derive: ${r.droppedColumns.join(', ')}`);
    if (r.unmapped.length > 0) {
      writeLine(ctx.stdout, `left out ${r.unmapped.reduce((n, u) => n + u.rows, 0)} rows whose label is neither in the table nor in ${taxonomyRefOf(t.to)}: `
        + `${r.unmapped.slice(0, show).map((u) => `${u.label} (${u.rows})`).join(', ')}${r.unmapped.length > show ? ', ...' : ''}`);
    }
    if (r.split.length > 0) {
      writeLine(ctx.stdout, `${r.split.length} rows of split codes held for review (left out; a person picks one of the candidates):`);
      writeLine(ctx.stdout, table(['row', 'old', 'candidates', 'text'], r.split.slice(0, show).map((s) => [s.row, s.oldCode, s.candidates.join(' | '), s.text.length > 50 ? `${s.text.slice(0, 47)}...` : s.text])));
      if (r.split.length > show) writeLine(ctx.stdout, `... ${r.split.length - show} more (--show N, or --json)`);
      writeLine(ctx.stdout, `sent to the review queue of endpoint ${d.queued.endpoint}: ${d.queued.added} added, ${d.queued.duplicates} already there `
        + `(\`lading review list --endpoint ${d.queued.endpoint}\`; answers become feedback of ${d.queued.endpoint})`);
    }
  }
  if (out.model !== undefined) {
    const m = out.model;
    writeLine(ctx.stdout);
    const share = m.affectedShare === null ? `no logged answers${m.since !== null ? ` since ${utcTime(new Date(m.since))}` : ''}`
      : `${m.affectedPredictions} of ${m.predictions} logged answers (${(100 * m.affectedShare).toFixed(1)}%) named an affected class`;
    writeLine(ctx.stdout, `model ${m.name}@${m.version}: ${m.classes.length} of ${m.modelClasses} classes affected; ${share}`);
    if (m.taxonomy !== taxonomyRefOf(t.from)) {
      writeLine(ctx.stdout, m.taxonomy === null
        ? `note: ${m.name}@${m.version} records no taxonomy (register with --taxonomy); the report assumes its labels are codes of ${taxonomyRefOf(t.from)}`
        : `note: ${m.name}@${m.version} records taxonomy ${m.taxonomy}, not ${taxonomyRefOf(t.from)}: check that this table applies to it`);
    }
    if (m.classes.length > 0) {
      writeLine(ctx.stdout, table(['class', 'change', 'new', 'answers'], m.classes.slice(0, show).map((c) => [c.label, c.kind, c.targets.join(', ') || '-', c.predictions])));
      if (m.classes.length > show) writeLine(ctx.stdout, `... ${m.classes.length - show} more (--show N, or --json)`);
    }
  }
}
