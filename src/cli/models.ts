import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ArtifactError, ConflictError, InputError } from '../core/errors.js';
import { decodeArtifact, type ArtifactMeta } from '../core/artifact-format.js';
import { readDecisionEvidence, type DecisionEvidenceMeta } from '../core/decision-policy.js';
import { sha256Hex } from '../core/hash.js';
import type { Workspace } from '../registry/workspace.js';
import { checkDecisions, DEFAULT_DECISION_TARGETS, renderDecisionChecks, type DecisionCheck } from '../training/decision-check.js';
import type { AuditEntry, ModelVersionRecord } from '../registry/model-registry.js';
import { parseModelRef } from '../registry/model-rules.js';
import { registerArtifact } from '../registry/register-artifact.js';
import { intFlag, parseTags, parseVerbArgs, requireFlag } from './args.js';
import { runSubcommand } from './subcommands.js';
import { COMMON_HELP, COMMON_OPTIONS, type CliContext, type Verb } from './context.js';
import { actorOf, withRegistry } from './open-registry.js';
import { table, utcTime, writeJson, writeLine } from './output.js';
import { checkLabels, registrationTaxonomy, renderTaxonomyCheck, TAXONOMY_FLAG_HELP } from './registration-taxonomy.js';
import { tagsWithTaxonomy } from '../taxonomy/model-taxonomy.js';

const OVERVIEW_HELP = `Usage: lading models <subcommand> [options]

The model registry: versions 1..N per model, aliases (champion, challenger, any name), approvals,
an append-only audit log and lineage.

  lading models list
  lading models show NAME[@REF] [--target-precision P]   REF: alias, version number or latest;
                                                 a version shows its expected automation rate
                                                 (decide or route) at P, or 0.95/0.98/0.99
  lading models register NAME ARTIFACT [--parent N] [--tag k=v]... [--force]
                                                 --force: even if NAME already has these exact bytes
  lading models export NAME[@REF] --out PATH [--force]   write a version's artifact to a file
                                                 (atomic, sha256-checked; --force overwrites PATH)
  lading models alias NAME ALIAS VERSION [--reason R]     (--delete to remove the alias)
  lading models approve NAME VERSION [--reason R]
  lading models reject NAME VERSION --reason R
  lading models rollback NAME [ALIAS] [--reason R]        ALIAS defaults to champion
  lading models history NAME [--alias A] [--version N] [--limit N]
  lading models lineage NAME VERSION             dataset, parents, aliases and deployments over time

Aliases serve traffic and need an approved version, except the staging aliases candidate, shadow,
staging and those starting with candidate-, shadow-, staging- or dev- (pending is fine there). No
alias may point at a rejected or deleted version. Rollback moves an alias back to the version it
pointed at before its current one (repeat to go further back).

Options of every subcommand:
  --actor NAME           who does this, for the audit log (default: your login name)
  --reason TEXT          why (recorded in the audit log; required by reject)
${TAXONOMY_FLAG_HELP.replace('with --register', 'with register')}
${COMMON_HELP}`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  actor: { type: 'string' },
  reason: { type: 'string' },
  parent: { type: 'string' },
  tag: { type: 'string', multiple: true },
  alias: { type: 'string' },
  version: { type: 'string' },
  limit: { type: 'string' },
  delete: { type: 'boolean', default: false },
  force: { type: 'boolean', default: false },
  out: { type: 'string' },
  taxonomy: { type: 'string' },
  'target-precision': { type: 'string' },
} as const;

type Values = ReturnType<typeof parseVerbArgs<typeof OPTIONS>>['values'];
type Handler = (ctx: CliContext, values: Values, args: readonly string[]) => Promise<number>;

const SUBCOMMANDS: Readonly<Record<string, Handler>> = {
  list: runList, show: runShow, register: runRegister, alias: runAlias, approve: runApprove, reject: runReject,
  rollback: runRollback, history: runHistory, lineage: runLineage, export: runExport,
};

/** Every models subcommand shares one option set, parsed here before its handler runs. */
const PARSED_SUBCOMMANDS = Object.fromEntries(Object.entries(SUBCOMMANDS).map(([sub, handler]) => [sub, async (ctx: CliContext, argv: readonly string[]) => {
  const { values, positionals } = parseVerbArgs(`models ${sub}`, argv, OPTIONS);
  if (values.help) { writeLine(ctx.stdout, OVERVIEW_HELP); return 0; }
  return handler(ctx, values, positionals);
}]));

export const verb: Verb = {
  summary: 'model registry: list, show, register, export, alias, approve, reject, rollback, history, lineage',
  help: OVERVIEW_HELP,
  run: (ctx) => runSubcommand('models', OVERVIEW_HELP, PARSED_SUBCOMMANDS, ctx),
};

function args(sub: string, positionals: readonly string[], names: readonly string[], optional = 0): string[] {
  if (positionals.length < names.length - optional || positionals.length > names.length) {
    throw new InputError('bad-arguments', `lading models ${sub}: expected ${names.join(' ')}, got ${positionals.length === 0 ? 'nothing' : positionals.join(' ')}`,
      { subcommand: sub }, 'Run `lading models --help`.');
  }
  return [...positionals];
}

function versionArg(sub: string, value: string | undefined): number {
  return intFlag(`models ${sub}`, value, 'VERSION', 0, 1);
}

const day = (iso: string | null): string => utcTime(iso);

async function runList(ctx: CliContext, values: Values, positionals: readonly string[]): Promise<number> {
  args('list', positionals, []);
  const models = await withRegistry(ctx, values, (ws) => ws.listModels());
  if (values.json) { writeJson(ctx.stdout, models); return 0; }
  if (models.length === 0) { writeLine(ctx.stdout, 'no registered models; register one with `lading models register NAME ARTIFACT`'); return 0; }
  writeLine(ctx.stdout, table(['model', 'versions', 'latest', 'aliases', 'created'],
    models.map((m) => [m.name, m.versionCount, m.latestVersion, m.aliases.map((a) => `${a.alias}=${a.version}`).join(' '), day(m.createdAt)])));
  return 0;
}

function describeVersion(v: ModelVersionRecord): string {
  const facts: Array<[string, string]> = [
    ['version', `${v.model}@${v.version}${v.deletedAt ? ` (deleted ${day(v.deletedAt)})` : ''}`],
    ['approval', `${v.approval.status}${v.approval.by ? ` by ${v.approval.by} at ${day(v.approval.at)}` : ''}${v.approval.reason ? `: ${v.approval.reason}` : ''}`],
    ['kind', v.kind],
    ['labels', `${v.labels.length} (${v.labels.slice(0, 8).join(', ')}${v.labels.length > 8 ? ', ...' : ''})`],
    ['dataset', v.datasetId ?? '-'],
    ['parent', v.parentVersion === null ? '-' : String(v.parentVersion)],
    ['metrics', Object.entries(v.metrics).map(([k, x]) => `${k}=${Number.isInteger(x) ? x : x.toFixed(4)}`).join('  ') || '-'],
    ['auto-classify', autoClassifySummary(v.metrics)],
    ['code', v.codeVersion],
    ['registered', `${day(v.registeredAt)} by ${v.registeredBy}`],
    ['tags', Object.entries(v.tags).map(([k, x]) => `${k}=${x}`).join('  ') || '-'],
    ['artifact', `${v.artifactUri} (${v.artifactBytes} bytes)`],
  ];
  const width = Math.max(...facts.map(([k]) => k.length));
  return facts.map(([k, x]) => `${k.padEnd(width)}  ${x}`).join('\n');
}

/**
 * The thresholds stored at training time, from the metrics the registry keeps of them
 * (autoThresholdNN, expectedAutomationNN: see training/confidence-step.ts).
 */
function autoClassifySummary(metrics: Readonly<Record<string, number>>): string {
  const parts: string[] = [];
  for (const [key, threshold] of Object.entries(metrics)) {
    const target = /^autoThreshold(\d+)$/.exec(key)?.[1];
    if (target === undefined) continue;
    const automation = metrics[`expectedAutomation${target}`];
    parts.push(`${target}% precision: confidence >= ${threshold.toFixed(4)}${automation === undefined ? '' : `, ${(100 * automation).toFixed(1)}% automated on validation`}`);
  }
  return parts.length > 0 ? parts.join('; ') : 'no stored thresholds (an older artifact or an imported model)';
}

async function runShow(ctx: CliContext, values: Values, positionals: readonly string[]): Promise<number> {
  const [ref] = args('show', positionals, ['NAME[@REF]']);
  if (ref!.includes('@')) {
    const target = ctx.settings(values).targetPrecision;
    const { v, decision, source, referenceRows } = await withRegistry(ctx, values, async (ws) => {
      const found = await ws.resolveModel(ref!);
      return { v: found, ...(await expectedDecisions(ws, found, target === undefined ? DEFAULT_DECISION_TARGETS : [target])) };
    });
    if (values.json) writeJson(ctx.stdout, { ...v, decision, decisionSource: source ?? null, ...(referenceRows ? { nomenclature: referenceRows } : {}) });
    else {
      const taught = referenceRows ? `\ntaught also by ${referenceRows.rows} rows of ${referenceRows.source} (sha256 ${referenceRows.sha256.slice(0, 16)}...)` : '';
      writeLine(ctx.stdout, `${describeVersion(v)}${taught}\n${renderDecisionChecks(decision, undefined, source).join('\n')}`);
    }
    return 0;
  }
  const name = parseModelRef(ref!).name;
  const { versions, aliases } = await withRegistry(ctx, values, async (ws) => ({ versions: await ws.listModelVersions(name), aliases: await ws.listAliases(name) }));
  if (values.json) { writeJson(ctx.stdout, { name, versions, aliases }); return 0; }
  const aliasesOf = (n: number) => aliases.filter((a) => a.version === n).map((a) => a.alias).join(' ');
  writeLine(ctx.stdout, table(['version', 'status', 'aliases', 'kind', 'dataset', 'parent', 'registered', 'by'],
    versions.map((v) => [v.version, v.deletedAt ? 'deleted' : v.approval.status, aliasesOf(v.version), v.kind, v.datasetId, v.parentVersion, day(v.registeredAt), v.registeredBy])));
  return 0;
}

/**
 * The decision policy's expected automation at each target, from the version's artifact (null: it
 * stores no decision rows), and where those rows came from (validation split or cross-fit).
 */
async function expectedDecisions(ws: Workspace, v: ModelVersionRecord, targets: readonly number[]): Promise<{
  decision: DecisionCheck[] | null; source: DecisionEvidenceMeta | undefined; referenceRows: ArtifactMeta['training']['referenceRows'];
}> {
  const artifact = decodeArtifact(await ws.readModelArtifact(v), `${v.model}@${v.version}`);
  const evidence = readDecisionEvidence(artifact.header, artifact.sections);
  return {
    decision: evidence ? checkDecisions(evidence, artifact.header.labels.length, targets) : null, source: artifact.header.decision,
    referenceRows: artifact.header.training.referenceRows,
  };
}

async function runRegister(ctx: CliContext, values: Values, positionals: readonly string[]): Promise<number> {
  const [name, file] = args('register', positionals, ['NAME', 'ARTIFACT']);
  const parent = values.parent === undefined ? undefined : intFlag('models register', values.parent, '--parent', 0, 1);
  const taxonomy = await registrationTaxonomy(ctx.settings(values), values.taxonomy);
  const v = await withRegistry(ctx, values, (ws) => registerArtifact(ws, {
    name: name!, artifactPath: resolve(file!), actor: actorOf(ctx, values), tags: tagsWithTaxonomy(parseTags(values.tag ?? []), taxonomy?.version),
    ...(parent !== undefined ? { parent } : {}), ...(values.reason !== undefined ? { reason: values.reason } : {}), force: values.force,
  }));
  // The labels come from the artifact's header, as the registry read them.
  const check = taxonomy !== undefined ? checkLabels(taxonomy, v.labels) : undefined;
  if (values.json) writeJson(ctx.stdout, check !== undefined ? { ...v, taxonomyCheck: check } : v);
  else {
    writeLine(ctx.stdout, `registered ${v.model}@${v.version} (pending approval)\n\n${describeVersion(v)}`);
    if (check !== undefined) renderTaxonomyCheck(ctx.stdout, check, v.labels.length);
  }
  return 0;
}

async function runExport(ctx: CliContext, values: Values, positionals: readonly string[]): Promise<number> {
  const [ref] = args('export', positionals, ['NAME[@REF]']);
  const out = resolve(requireFlag('models export', values.out, '--out'));
  if (!values.force && existsSync(out)) throw fileExists(out);
  const { record, bytes } = await withRegistry(ctx, values, async (ws) => {
    const found = await ws.resolveModel(ref!);
    return { record: found, bytes: await ws.readModelArtifact(found) };
  });
  writeVerifiedFile(out, bytes, record.artifactSha256, values.force);
  const summary = { model: record.model, version: record.version, file: out, sha256: record.artifactSha256, bytes: bytes.byteLength };
  if (values.json) writeJson(ctx.stdout, summary);
  else writeLine(ctx.stdout, `exported ${record.model}@${record.version} to ${out} (${bytes.byteLength} bytes, sha256 ${record.artifactSha256.slice(0, 16)}... verified)`);
  return 0;
}

function fileExists(path: string): ConflictError {
  return new ConflictError('file-exists', `${path} already exists; nothing was written`, { file: path }, 'Pass --force to overwrite it, or choose another --out.');
}

/**
 * Writes the bytes beside `path`, reads them back and checks their sha256, then puts them in place
 * in one step: rename when overwriting is allowed, otherwise a hard link, which fails if `path`
 * appeared meanwhile. Either way a reader never sees a partial or unverified file.
 */
function writeVerifiedFile(path: string, bytes: Uint8Array, sha256: string, overwrite: boolean): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = openSync(tmp, 'wx');
    try {
      for (let written = 0; written < bytes.length;) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const onDisk = sha256Hex(readFileSync(tmp));
    if (onDisk !== sha256) {
      throw new ArtifactError('export-checksum-mismatch', `the bytes written to ${tmp} hash to ${onDisk}, not the registered ${sha256}; nothing was exported`,
        { file: path, sha256 }, 'Check the disk (space, faults) and export again.');
    }
    if (overwrite) {
      renameSync(tmp, path);
    } else {
      try {
        linkSync(tmp, path);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') throw fileExists(path);
        // File systems without hard links: check, then rename (a small window instead of none).
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw e;
        if (existsSync(path)) throw fileExists(path);
        renameSync(tmp, path);
      }
    }
  } finally {
    rmSync(tmp, { force: true });
  }
}

async function runAlias(ctx: CliContext, values: Values, positionals: readonly string[]): Promise<number> {
  const reason = values.reason !== undefined ? { reason: values.reason } : {};
  if (values.delete) {
    const [name, alias] = args('alias', positionals, ['NAME', 'ALIAS']);
    await withRegistry(ctx, values, (ws) => ws.deleteAlias({ name: name!, alias: alias!, actor: actorOf(ctx, values), ...reason }));
    if (values.json) writeJson(ctx.stdout, { deleted: { model: name, alias } });
    else writeLine(ctx.stdout, `deleted alias ${name}@${alias}`);
    return 0;
  }
  const [name, alias, version] = args('alias', positionals, ['NAME', 'ALIAS', 'VERSION']);
  const move = await withRegistry(ctx, values, (ws) => ws.setAlias({ name: name!, alias: alias!, version: versionArg('alias', version), actor: actorOf(ctx, values), ...reason }));
  if (values.json) writeJson(ctx.stdout, move);
  else if (move.auditId === null) writeLine(ctx.stdout, `${name}@${alias} already points at version ${move.alias.version}; nothing changed`);
  else writeLine(ctx.stdout, `${name}@${alias}: ${move.previousVersion ?? '(new)'} -> ${move.alias.version}`);
  return 0;
}

async function runDecision(ctx: CliContext, values: Values, positionals: readonly string[], sub: 'approve' | 'reject'): Promise<number> {
  const [name, version] = args(sub, positionals, ['NAME', 'VERSION']);
  const input = { name: name!, version: versionArg(sub, version), actor: actorOf(ctx, values), ...(values.reason !== undefined ? { reason: values.reason } : {}) };
  const v = await withRegistry(ctx, values, (ws) => (sub === 'approve' ? ws.approveVersion(input) : ws.rejectVersion(input)));
  if (values.json) writeJson(ctx.stdout, v);
  else writeLine(ctx.stdout, `${v.model}@${v.version} is now ${v.approval.status}`);
  return 0;
}

function runApprove(ctx: CliContext, values: Values, positionals: readonly string[]): Promise<number> {
  return runDecision(ctx, values, positionals, 'approve');
}

function runReject(ctx: CliContext, values: Values, positionals: readonly string[]): Promise<number> {
  return runDecision(ctx, values, positionals, 'reject');
}

async function runRollback(ctx: CliContext, values: Values, positionals: readonly string[]): Promise<number> {
  const [name, alias = 'champion'] = args('rollback', positionals, ['NAME', 'ALIAS'], 1);
  const move = await withRegistry(ctx, values, (ws) => ws.rollbackAlias({ name: name!, alias, actor: actorOf(ctx, values), ...(values.reason !== undefined ? { reason: values.reason } : {}) }));
  if (values.json) writeJson(ctx.stdout, move);
  else writeLine(ctx.stdout, `rolled back ${name}@${alias}: ${move.previousVersion} -> ${move.alias.version}`);
  return 0;
}

/** A before/after value in a table: short (the full value is in --json). */
function brief(v: unknown): string {
  if (v === null || v === undefined) return '-';
  const o = v as Record<string, unknown>;
  const shown = typeof o === 'object' && 'artifactSha256' in o ? { ...o, artifactSha256: String(o['artifactSha256']).slice(0, 12) } : v;
  const text = JSON.stringify(shown);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

async function runHistory(ctx: CliContext, values: Values, positionals: readonly string[]): Promise<number> {
  const [name] = args('history', positionals, ['NAME']);
  const entries: AuditEntry[] = await withRegistry(ctx, values, async (ws) => {
    await ws.listAliases(name!); // NotFoundError for an unknown model
    return ws.auditLog({
      model: name!,
      ...(values.alias !== undefined ? { alias: values.alias } : {}),
      ...(values.version !== undefined ? { version: versionArg('history', values.version) } : {}),
      limit: intFlag('models history', values.limit, '--limit', 1000, 1),
    });
  });
  if (values.json) { writeJson(ctx.stdout, entries); return 0; }
  writeLine(ctx.stdout, table(['id', 'at', 'actor', 'action', 'version', 'alias', 'before', 'after', 'reason'],
    entries.map((e) => [e.id, day(e.at), e.actor, e.action, e.version, e.alias, brief(e.before), brief(e.after), e.reason])));
  return 0;
}

async function runLineage(ctx: CliContext, values: Values, positionals: readonly string[]): Promise<number> {
  const [name, version] = args('lineage', positionals, ['NAME', 'VERSION']);
  const l = await withRegistry(ctx, values, (ws) => ws.lineage(name!, versionArg('lineage', version)));
  if (values.json) { writeJson(ctx.stdout, l); return 0; }
  const lines = [
    `${l.version.model}@${l.version.version}  (${l.version.approval.status}, ${l.version.kind})`,
    `dataset   ${l.datasetId ?? '-'}`,
    `parents   ${l.parents.length === 0 ? '-' : l.parents.map((p) => `${p.version} (dataset ${p.datasetId ?? '-'})`).join(' <- ')}`,
    `children  ${l.children.length === 0 ? '-' : l.children.join(', ')}`,
    '',
    l.aliasHistory.length === 0 ? 'no alias has pointed at this version'
      : table(['alias', 'from', 'until', 'moved by'], l.aliasHistory.map((p) => [p.alias, day(p.from), p.until === null ? 'now' : day(p.until), p.movedBy])),
    '',
    // Matched refs: name@N, and name@alias / bare name while the alias pointed here (not @latest, not paths).
    l.deployments.length === 0 ? 'no deployment has referred to this version'
      : table(['endpoint', 'rev', 'variant', 'role', 'weight', 'ref', 'from', 'until'], l.deployments.map((d) => [
        d.endpoint, d.revision, d.variant, d.role, d.weight, d.ref, day(d.from), d.until === null ? 'now' : day(d.until),
      ])),
  ];
  writeLine(ctx.stdout, lines.join('\n'));
  return 0;
}
