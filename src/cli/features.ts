import { InputError } from '../core/errors.js';
import type { StoredView } from '../features/offline-store.js';
import { parseFeatureRefs } from '../features/training-set.js';
import { applyFeatureViews, featureDeclarations, ingestFeatureFile, saveTrainingSet, withOfflineStore } from '../platform/features.js';
import { parseVerbArgs } from './args.js';
import { COMMON_HELP, COMMON_OPTIONS, type CliContext, type Verb } from './context.js';
import { actorOf, publishing } from './open-registry.js';
import { table, writeJson, writeLine } from './output.js';
import { runSubcommand } from './subcommands.js';

const SHAPE = `Entities and feature views, in lading.yaml:

  features:
    entities:
      importer: { joinKey: importer_id }          # the column that holds the key, in files and examples
    views:
      importer_history:
        entity: importer
        timestamp: event_time                     # when each value became true (ISO 8601, UTC if no zone; or epoch ms)
        ttl: 90d                                  # 45s, 30m, 12h, 90d, 2w or forever (default)
        features: { top_chapter: string, lines_30d: int, share_textiles: float, repeat_buyer: bool }

A training set takes, for each example, the latest value of its entity at or before the example's
own time and no older than the TTL (Feast's point-in-time semantics); a value stamped after the
example never reaches it.`;

const OVERVIEW_HELP = `Usage: lading features <apply|list|show|ingest|training-set|audit> [options]

The feature store: entity features with point-in-time-correct training sets. Values live in the
offline store: <home>/features.sqlite, or the registry's PostgreSQL schema with --registry-url.

  lading features apply [--reason TEXT]        register the views of lading.yaml (a changed view is a new version)
  lading features list                         the registered views, latest versions
  lading features show VIEW [--version N]      one view's declaration and version
  lading features ingest VIEW FILE             append a CSV/JSONL file of timestamped values (all or nothing)
  lading features training-set --examples FILE --features VIEW:FEATURE,...   join point in time, save a dataset version
  lading features audit [VIEW]                 who applied and ingested what, when

${SHAPE}`;

const APPLY_HELP = `Usage: lading features apply [--reason TEXT] [--actor WHO] [options]

Registers every view declared under \`features:\` in lading.yaml: the first version of a new view,
a new version of a changed one, nothing for an unchanged one. A view may gain features; it may not
change a feature's type or its entity (its stored values would mean something else: declare a new
view). All views or none are registered.

${COMMON_HELP}`;

const INGEST_HELP = `Usage: lading features ingest VIEW FILE [--actor WHO] [options]

Appends a CSV or JSONL file of the view's values: the entity's join key column, the view's
timestamp column, and any of its features (an empty cell is null). Every row is checked first; a
bad one is named by file, row and column and nothing is stored.

${COMMON_HELP}`;

const TRAINING_SET_HELP = `Usage: lading features training-set --examples FILE --features VIEW:FEATURE,... [options]

Joins each example (a row of FILE: the entity's join key, its event time, text and label) with the
named features point in time, and saves the result as a dataset version whose feature columns are
VIEW:FEATURE and whose source names the view versions joined (its lineage).

Options:
  --examples FILE      CSV or JSONL examples
  --features LIST      VIEW:FEATURE,... (views at their latest version)
  --text-column C      default text
  --label-column C     default label (repeat for several label columns)
  --time-column C      when each example happened; default event_time
${COMMON_HELP}`;

const SIMPLE_HELP = (usage: string, what: string) => `Usage: lading features ${usage} [options]\n\n${what}\n\n${COMMON_HELP}`;

export const verb: Verb = {
  summary: 'feature store: apply views, ingest values, point-in-time training sets',
  help: OVERVIEW_HELP,
  run: (ctx) => runSubcommand('features', OVERVIEW_HELP, {
    apply: runApply, list: runList, show: runShow, ingest: runIngest, 'training-set': runTrainingSet, audit: runAudit,
  }, ctx),
};

const ACTOR_OPTIONS = { ...COMMON_OPTIONS, actor: { type: 'string' } } as const;

function resolve(ctx: CliContext, values: Parameters<CliContext['resolveSettings']>[0]) {
  const resolved = ctx.resolveSettings(values);
  return { settings: resolved.settings, file: { projectFile: resolved.projectFile, locate: (path: readonly (string | number)[]) => resolved.locate('features', path) } };
}

function positionalsOf(sub: string, positionals: readonly string[], names: readonly string[]): string[] {
  if (positionals.length !== names.length) {
    throw new InputError('bad-arguments', `lading features ${sub}: expected ${names.join(' ')}, got ${positionals.length === 0 ? 'nothing' : positionals.join(' ')}`,
      { subcommand: sub }, `Run \`lading features ${sub} --help\`.`);
  }
  return [...positionals];
}

async function runApply(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values } = parseVerbArgs('features apply', argv, { ...ACTOR_OPTIONS, reason: { type: 'string' } }, false);
  if (values.help) { writeLine(ctx.stdout, APPLY_HELP); return 0; }
  const { settings, file } = resolve(ctx, values);
  const results = await applyFeatureViews(settings, file, actorOf(ctx, values), values.reason);
  if (values.json) { writeJson(ctx.stdout, results); return 0; }
  writeLine(ctx.stdout, table(['view', 'version', 'change', 'entity', 'features', 'ttl'], results.map((r) => [
    r.view.name, r.view.version, r.change, r.view.spec.entity.name, r.view.spec.features.map((f) => `${f.name}:${f.type}`).join(' '), ttlText(r.view.spec.ttlMs),
  ])));
  return 0;
}

async function runList(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values } = parseVerbArgs('features list', argv, COMMON_OPTIONS, false);
  if (values.help) { writeLine(ctx.stdout, SIMPLE_HELP('list', 'The registered feature views at their latest version.')); return 0; }
  const { settings } = resolve(ctx, values);
  const views = await withOfflineStore(settings, (s) => s.listViews());
  if (values.json) { writeJson(ctx.stdout, views.map(viewJson)); return 0; }
  if (views.length === 0) { writeLine(ctx.stdout, 'no feature views registered (declare them in lading.yaml, then `lading features apply`)'); return 0; }
  writeLine(ctx.stdout, table(['view', 'version', 'entity', 'join key', 'features', 'ttl', 'by', 'at'], views.map((v) => [
    v.name, v.version, v.spec.entity.name, v.spec.entity.joinKey, v.spec.features.map((f) => `${f.name}:${f.type}`).join(' '), ttlText(v.spec.ttlMs), v.createdBy, v.createdAt,
  ])));
  return 0;
}

async function runShow(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('features show', argv, { ...COMMON_OPTIONS, version: { type: 'string' } });
  if (values.help) { writeLine(ctx.stdout, SIMPLE_HELP('show VIEW [--version N]', 'One feature view: its declaration at a version (default the latest).')); return 0; }
  const [name] = positionalsOf('show', positionals, ['VIEW']);
  const version = values.version === undefined ? undefined : Number(values.version);
  if (version !== undefined && !(Number.isInteger(version) && version >= 1)) throw new InputError('bad-flag', `--version: expected a version number, got "${values.version}"`, { flag: '--version' });
  const { settings } = resolve(ctx, values);
  const view = await withOfflineStore(settings, (s) => s.getView(name!, version));
  if (values.json) { writeJson(ctx.stdout, viewJson(view)); return 0; }
  writeLine(ctx.stdout, [
    `${view.name} version ${view.version} (${view.sha256.slice(0, 12)}), by ${view.createdBy} at ${view.createdAt}${view.reason ? `: ${view.reason}` : ''}`,
    `entity ${view.spec.entity.name} (join key ${view.spec.entity.joinKey}), timestamp ${view.spec.timestampColumn}, ttl ${ttlText(view.spec.ttlMs)}`,
    table(['feature', 'type'], view.spec.features.map((f) => [f.name, f.type])),
  ].join('\n'));
  return 0;
}

async function runIngest(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('features ingest', argv, ACTOR_OPTIONS);
  if (values.help) { writeLine(ctx.stdout, INGEST_HELP); return 0; }
  const [view, path] = positionalsOf('ingest', positionals, ['VIEW', 'FILE']);
  const { settings } = resolve(ctx, values);
  const result = await ingestFeatureFile(settings, view!, path!, actorOf(ctx, values));
  if (values.json) { writeJson(ctx.stdout, result); return 0; }
  writeLine(ctx.stdout, `ingested ${result.rows} rows into ${result.view} (version ${result.version}), ${result.newEntities} new entities, ${new Date(result.from).toISOString()} .. ${new Date(result.to).toISOString()}`);
  return 0;
}

async function runTrainingSet(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values } = parseVerbArgs('features training-set', argv, {
    ...COMMON_OPTIONS, examples: { type: 'string' }, features: { type: 'string' }, 'text-column': { type: 'string' },
    'label-column': { type: 'string', multiple: true }, 'time-column': { type: 'string' },
  }, false);
  if (values.help) { writeLine(ctx.stdout, TRAINING_SET_HELP); return 0; }
  if (values.examples === undefined) throw new InputError('missing-flag', 'features training-set needs --examples FILE', { flag: '--examples' });
  if (values.features === undefined) throw new InputError('missing-flag', 'features training-set needs --features VIEW:FEATURE,...', { flag: '--features' });
  const refs = parseFeatureRefs(values.features);
  const { settings, file } = resolve(ctx, values);
  featureDeclarations(settings, file); // a bad lading.yaml fails before anything is read
  const labels = values['label-column'] && values['label-column'].length > 0 ? values['label-column'] : ['label'];
  const result = await saveTrainingSet(settings, {
    path: values.examples, textColumn: values['text-column'] ?? 'text', labelColumns: labels, timeColumn: values['time-column'] ?? 'event_time',
  }, refs, { publish: publishing(ctx) });
  if (values.json) { writeJson(ctx.stdout, { dataset: result.saved.version, created: result.saved.created, lineage: result.lineage, joins: result.stats }); return 0; }
  const v = result.saved.version;
  writeLine(ctx.stdout, `${result.saved.created ? 'saved' : 'already stored as'} dataset ${v.id} (${v.stats.rows} rows) with features ${result.lineage.join(', ')}`);
  writeLine(ctx.stdout, table(['view', 'version', 'matched', 'older than ttl', 'no value'], result.stats.map((s) => [s.view, s.version, s.matched, s.expired, s.missing])));
  return 0;
}

async function runAudit(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('features audit', argv, COMMON_OPTIONS);
  if (values.help) { writeLine(ctx.stdout, SIMPLE_HELP('audit [VIEW]', 'Who applied and ingested what, and when, oldest first.')); return 0; }
  const { settings } = resolve(ctx, values);
  const entries = await withOfflineStore(settings, (s) => s.auditLog(positionals[0]));
  if (values.json) { writeJson(ctx.stdout, entries); return 0; }
  writeLine(ctx.stdout, table(['at', 'actor', 'action', 'view', 'version', 'detail'], entries.map((e) => [e.at, e.actor, e.action, e.view, e.version, e.detail])));
  return 0;
}

function ttlText(ms: number): string {
  if (!Number.isFinite(ms)) return 'forever';
  for (const [unit, size] of [['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

function viewJson(v: StoredView) {
  return { ...v, spec: { ...v.spec, ttlMs: Number.isFinite(v.spec.ttlMs) ? v.spec.ttlMs : null } };
}
