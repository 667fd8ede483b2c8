import { InputError } from '../core/errors.js';
import { findPipeline } from '../lifecycle/pipeline/pipeline-parser.js';
import type { PipelineSpec, ReleaseStep } from '../lifecycle/pipeline/pipeline-spec.js';
import type { PipelineRun } from '../lifecycle/pipeline/pipeline-store.js';
import { writeFileAtomic } from '../core/atomic-file.js';
import { gateRows } from '../lifecycle/gates/gate-table.js';
import { runPipelineNow } from '../platform/gated-pipeline-run.js';
import { loadPipelineSpecs, pipelineHistory, pipelineStatuses, setPipelinePaused, type PipelineStatus } from '../platform/pipelines.js';
import { intFlag, parseVerbArgs } from './args.js';
import { actorOf } from './open-registry.js';
import { runSubcommand } from './subcommands.js';
import { COMMON_HELP, COMMON_OPTIONS, type CliContext, type Verb } from './context.js';
import { table, utcTime, writeJson, writeLine } from './output.js';
import { pipelineRunMarkdown } from './pipeline-report.js';
import { createProgress } from './progress.js';

const SHAPE = `A pipeline, in lading.yaml (only data.dataset is required; \`lading pipeline show NAME\` prints every default):

  pipelines:
    hs4:
      endpoint: hs4                 # default: the pipeline's name
      model: hs4                    # the model candidates are registered as; default: the pipeline's name
      data: { dataset: hs4-train, feedback: true, folder: incoming/ }
      train: [ linear, { kind: fasttext, params: { epochs: 5 } } ]    # the best on validation wins
      select: macroF1               # or accuracy
      triggers: { cron: "0 3 * * *", drift: true, newLabels: 500 }    # UTC; by hand: lading pipeline run
      gates: { golden: hs4-golden@1, feedbackHoldout: 0.2, margin: { accuracy: 0.01, macroF1: 0.02 }, alpha: 0.05,
               classRecall: { minSupport: 20, maxDrop: 0.10 }, budgets: { p99Ms: 5, artifactMb: 200, ece: 0.08 } }
      release: { steps: [ { shadow: 2000 }, { canary: 5 }, { canary: 25 }, { canary: 50 } ], requireApproval: false,
                 alpha: 0.05, minEffect: 0.02, maxLabels: 20000, guardrails: { errorRate: 0.01, p99Ms: 50, drift: true, accuracy: true } }

A dataset reference is a ds-... id, NAME (the newest version imported from NAME.csv/.jsonl, or
named so by \`lading feedback to-dataset --name\`) or NAME@N (its Nth version). The versions a
pipeline assembles are named pipeline-NAME; the feedback a run holds out for its gates (the newest
gates.feedbackHoldout share, default 0.2; 0 = none) is named pipeline-NAME-holdout.`;

const OVERVIEW_HELP = `Usage: lading pipeline <list|show|run|pause|resume|history> [NAME] [options]

Training pipelines declared in lading.yaml: what data, which kinds, what starts a run, the gates and
the release plan. A run assembles the data into a new dataset version, trains every kind, keeps
the best on validation and registers it (pending) as the next version of the pipeline's model;
then the quality gates and, if it passes, a release, the same way the controller runs it.

  lading pipeline list                 every pipeline: paused?, last run, what is due
  lading pipeline show NAME            one pipeline with every default, its state and last run
  lading pipeline run NAME [--no-release]   one run now, by hand (also when paused): gates, release
  lading pipeline pause NAME [--reason TEXT]   triggers stop starting runs (a person still may)
  lading pipeline resume NAME
  lading pipeline history NAME [--last N]      its runs, newest first, with each step's time

Run \`lading pipeline <subcommand> --help\` for the options of each.

${SHAPE}`;

const LIST_HELP = `Usage: lading pipeline list [options]

Every pipeline in lading.yaml: endpoint, model, kinds, triggers, whether it is paused, its last run,
the trigger that would start a run now, and the next scheduled time. Runs whose process died are
marked failed (interrupted) first.

${COMMON_HELP}`;

const SHOW_HELP = `Usage: lading pipeline show NAME [options]

One pipeline as lading reads it, every default filled, with its state (paused, watermark, new
labels since the last run), its last run and what is due.

${COMMON_HELP}`;

const RUN_HELP = `Usage: lading pipeline run NAME [--no-release] [--check] [--report FILE] [--seed N] [--actor WHO] [options]

Runs the pipeline once, now, through the same code as the controller's runs:
  1. data: the dataset + labelled files of the folder + the endpoint's accepted feedback, as a new
     dataset version; the newest gates.feedbackHoldout share of the feedback (default 0.2, by
     feedback time) is held out of training, saved as pipeline-NAME-holdout;
  2. trains each kind (progress on stderr), keeps the best on validation by \`select\`, registers
     it as the next version of the model, pending (unchanged data gives the same bytes: that
     version is the candidate again);
  3. the quality gates, candidate against the endpoint's champion on the same texts, paired: the
     golden set and the held-out feedback (fewer than 30 held-out rows: those checks are
     "skipped: only N rows"); then the budgets. A failure ends the run \`gated\`;
  4. unless --no-release: approves the candidate and records a release with the pipeline's plan.
     If no controller holds the lease, its first step (e.g. shadow) is deployed now, under the
     lease, which is given up at once; \`lading controller\` moves it on from there. If a
     controller holds the lease, it deploys the first step on its next tick.
Prints each gate (check, set, value, threshold, verdict) and what was released; --json adds
\`gates\` (the full report) and \`release\` to the run.

Refused before anything runs (unless --no-release): the endpoint has a release in progress (wait,
or \`lading experiment stop ENDPOINT\`), or the pipeline is running already (the controller's run).
Runs by hand even when the pipeline is paused. Ctrl-C stops it: the run is recorded as failed
(interrupted) and nothing more is registered.

Options:
  --no-release     stop after the gates: record no release, change no deployment
  --check          exit 3 when the candidate is gated (for CI jobs; without it a gated run exits 0)
  --report FILE    also write the run, its gates and the release as Markdown (a CI artifact)
  --seed N         seed of the split and every training (default 1)
  --actor WHO      who runs it, for the audit log (default: the actor setting)
${COMMON_HELP}`;

const PAUSE_HELP = `Usage: lading pipeline pause NAME [--reason TEXT] [--actor WHO] [options]

Stops the triggers (cron, drift, new labels) from starting runs of NAME until \`lading pipeline
resume NAME\`. A person may still run it by hand. Records who paused it, when and why.

Options:
  --reason TEXT    why (shown by list and show)
  --actor WHO      who pauses it (default: the actor setting)
${COMMON_HELP}`;

const RESUME_HELP = `Usage: lading pipeline resume NAME [--actor WHO] [options]

Lets the triggers start runs of NAME again.

${COMMON_HELP}`;

const HISTORY_HELP = `Usage: lading pipeline history NAME [--last N] [options]

The runs of NAME, newest first: trigger, status (running, succeeded, failed, gated), start, how long,
each step's time, the dataset version, the held-out feedback version, the candidate, and the error. A run whose process died is
marked failed (interrupted) before it is shown.

Options:
  --last N         at most N runs (default 20)
${COMMON_HELP}`;

export const verb: Verb = {
  summary: 'training pipelines from lading.yaml: list, show, run, pause, resume, history',
  help: OVERVIEW_HELP,
  run: (ctx) => runSubcommand('pipeline', OVERVIEW_HELP, { list: runList, show: runShow, run: runRun, pause: runPause, resume: runResume, history: runHistory }, ctx),
};

const ACTOR_OPTIONS = { ...COMMON_OPTIONS, actor: { type: 'string' } } as const;

/** The settings and every declared pipeline, checked: a bad lading.yaml fails before anything is opened. */
async function load(ctx: CliContext, values: Parameters<CliContext['resolveSettings']>[0]) {
  const resolved = ctx.resolveSettings(values);
  const specs = await loadPipelineSpecs(resolved.settings.pipelines, { projectFile: resolved.projectFile, locate: (path) => resolved.locate('pipelines', path) });
  return { settings: resolved.settings, specs };
}

function oneName(sub: string, positionals: readonly string[]): string {
  if (positionals.length !== 1) {
    throw new InputError('bad-arguments', `lading pipeline ${sub}: expected one pipeline NAME, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`,
      { subcommand: sub }, `Run \`lading pipeline ${sub} --help\`.`);
  }
  return positionals[0]!;
}

async function runList(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values } = parseVerbArgs('pipeline list', argv, COMMON_OPTIONS, false);
  if (values.help) { writeLine(ctx.stdout, LIST_HELP); return 0; }
  const { settings, specs } = await load(ctx, values);
  const statuses = specs.length === 0 ? [] : await pipelineStatuses(settings, specs);
  if (values.json) { writeJson(ctx.stdout, statuses.map(statusJson)); return 0; }
  if (statuses.length === 0) { writeLine(ctx.stdout, 'no pipelines in lading.yaml (`lading pipeline --help` shows how to declare one)'); return 0; }
  writeLine(ctx.stdout, table(['pipeline', 'endpoint', 'model', 'kinds', 'triggers', 'paused', 'last run', 'due', 'next cron'], statuses.map((s) => [
    s.spec.name, s.spec.endpoint, s.spec.model, s.spec.train.map((k) => k.kind).join(','), triggerText(s.spec),
    s.state.paused ? `yes (${s.state.pausedBy ?? '?'})` : 'no', s.lastRun ? `${s.lastRun.status} ${utcTime(new Date(s.lastRun.startedAt))}` : '-',
    s.due ?? '-', s.nextCron === null ? '-' : utcTime(new Date(s.nextCron)),
  ])));
  return 0;
}

async function runShow(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('pipeline show', argv, COMMON_OPTIONS);
  if (values.help) { writeLine(ctx.stdout, SHOW_HELP); return 0; }
  const name = oneName('show', positionals);
  const { settings, specs } = await load(ctx, values);
  const [status] = await pipelineStatuses(settings, [findPipeline(specs, name)]);
  const s = status!;
  if (values.json) { writeJson(ctx.stdout, statusJson(s)); return 0; }
  const { spec, state } = s;
  const g = spec.gates;
  const r = spec.release;
  const lines = [
    `pipeline ${spec.name}: endpoint ${spec.endpoint}, model ${spec.model}${state.paused ? `, PAUSED by ${state.pausedBy ?? '?'} at ${utcTime(new Date(state.pausedAt ?? 0))}${state.pauseReason ? ` (${state.pauseReason})` : ''}` : ''}`,
    `data:     ${spec.data.dataset}${spec.data.feedback ? ` + accepted feedback of ${spec.endpoint}` : ''}${spec.data.folder ? ` + labelled files in ${spec.data.folder}` : ''}`,
    `train:    ${spec.train.map((k) => `${k.kind}${Object.keys(k.params).length > 0 ? ` ${JSON.stringify(k.params)}` : ''}`).join(', ')}; best by validation ${spec.select}`,
    `triggers: ${triggerText(spec)}; new labels since the last run: ${s.newLabels}; due now: ${s.due ?? 'nothing'}${s.nextCron === null ? '' : `; next scheduled ${utcTime(new Date(s.nextCron))}`}`,
    `gates:    golden ${g.golden ?? 'none'}, ${spec.data.feedback && g.feedbackHoldout > 0 ? `held-out newest ${g.feedbackHoldout} of the feedback` : 'no held-out feedback'}; margins accuracy ${g.margin.accuracy}, macroF1 ${g.margin.macroF1} at alpha ${g.alpha}; `
      + `class recall drop <= ${g.classRecall.maxDrop} (support >= ${g.classRecall.minSupport}); budgets p99 ${g.budgets.p99Ms ?? '-'} ms, artifact ${g.budgets.artifactMb ?? '-'} MB, ECE ${g.budgets.ece ?? '-'}`,
    `release:  ${r.steps.map(stepText).join(' -> ') || 'promote after the gates'}${r.requireApproval ? ' -> approval' : ''}; alpha ${r.alpha}, min effect ${r.minEffect}, at most ${r.maxLabels} labels; `
      + `guardrails: error rate ${r.guardrails.errorRate}, p99 ${r.guardrails.p99Ms} ms, drift ${r.guardrails.drift ? 'on' : 'off'}, accuracy ${r.guardrails.accuracy ? 'on' : 'off'}`,
    `last run: ${s.lastRun ? runLine(s.lastRun) : 'none'}`,
  ];
  writeLine(ctx.stdout, lines.join('\n'));
  return 0;
}

const RUN_OPTIONS = { ...ACTOR_OPTIONS, seed: { type: 'string' }, 'no-release': { type: 'boolean', default: false }, check: { type: 'boolean', default: false }, report: { type: 'string' } } as const;

/** `--check`: a gated candidate fails the CI job (3, apart from 1 for errors and 2 for usage). */
const GATED_EXIT = 3;

async function runRun(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('pipeline run', argv, RUN_OPTIONS);
  if (values.help) { writeLine(ctx.stdout, RUN_HELP); return 0; }
  const name = oneName('run', positionals);
  const seed = intFlag('pipeline run', values.seed, '--seed', 1, 0, 2 ** 31 - 1);
  const { settings, specs } = await load(ctx, values);
  const spec = findPipeline(specs, name);
  const progress = createProgress(ctx.stderr, values.json ? 'off' : settings.interactive ? 'bar' : 'lines');
  const result = await runPipelineNow(settings, spec, {
    trigger: 'manual', actor: actorOf(ctx, values), seed, signal: ctx.signal, release: !values['no-release'],
    onPublishError: (e) => { if (!values.json) writeLine(ctx.stderr, `pipeline run: an event was not published on the bus: ${(e as Error).message}`); },
    onProgress: (step, p) => progress.update(`${step} ${p.phase}`, p.done, p.total, p.info),
    onStep: (s) => {
      if (values.json) return;
      if (s.finishedAt === null) { progress.finish(); writeLine(ctx.stderr, `${s.name}...`); } else writeLine(ctx.stderr, `${s.name}: ${s.detail ?? ''} (${seconds(s.finishedAt - s.startedAt)})`);
    },
  });
  progress.finish();
  if (values.report !== undefined) writeFileAtomic(values.report, new TextEncoder().encode(pipelineRunMarkdown(spec.name, result)));
  const code = values.check && result.run.status === 'gated' ? GATED_EXIT : 0;
  if (values.json) { writeJson(ctx.stdout, result); return code; }
  writeLine(ctx.stdout, `run ${result.run.id} of ${spec.name}: ${result.run.status}; candidate ${result.candidate.ref} (${result.candidate.kind}${result.candidate.reused ? ', already registered' : ', new'}) trained on ${result.data.dataset}`
    + (result.data.holdout ? `; ${result.data.counts.holdout} newest feedback rows held out in ${result.data.holdout}` : ''));
  writeLine(ctx.stdout, table(['kind', 'accuracy', 'macroF1', 'seconds'], result.trained.map((k) => [k.kind, k.accuracy, k.macroF1, k.seconds.toFixed(2)])));
  writeLine(ctx.stdout, stepsTable(result.run));
  if (result.gates) {
    writeLine(ctx.stdout, `gates: ${result.gates.passed ? 'passed' : 'FAILED'} (${result.gates.candidate.model}@${result.gates.candidate.version} against ${result.gates.champion ? `${result.gates.champion.model}@${result.gates.champion.version}` : 'no champion'})`);
    writeLine(ctx.stdout, table(['check', 'set', 'value', 'threshold', 'verdict'], gateRows(result.gates).map((r) => [r.check, r.set, r.value, r.threshold, r.verdict])));
    for (const reason of result.gates.reasons) writeLine(ctx.stdout, `  - ${reason}`);
  }
  writeLine(ctx.stdout, `release: ${result.release.summary}`);
  return code;
}

const PAUSE_OPTIONS = { ...ACTOR_OPTIONS, reason: { type: 'string' } } as const;

async function runPause(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('pipeline pause', argv, PAUSE_OPTIONS);
  if (values.help) { writeLine(ctx.stdout, PAUSE_HELP); return 0; }
  return pauseOrResume(ctx, 'pause', positionals, values, values.reason);
}

async function runResume(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('pipeline resume', argv, ACTOR_OPTIONS);
  if (values.help) { writeLine(ctx.stdout, RESUME_HELP); return 0; }
  return pauseOrResume(ctx, 'resume', positionals, values, undefined);
}

async function pauseOrResume(ctx: CliContext, sub: 'pause' | 'resume', positionals: readonly string[], values: Parameters<CliContext['resolveSettings']>[0] & { json: boolean }, reason: string | undefined): Promise<number> {
  const name = oneName(sub, positionals);
  const { settings, specs } = await load(ctx, values);
  findPipeline(specs, name);
  const state = await setPipelinePaused(settings, name, sub === 'pause', { by: actorOf(ctx, values), reason });
  if (values.json) writeJson(ctx.stdout, state);
  else writeLine(ctx.stdout, sub === 'pause' ? `paused ${name}: triggers start no runs until \`lading pipeline resume ${name}\`` : `resumed ${name}: its triggers start runs again`);
  return 0;
}

const HISTORY_OPTIONS = { ...COMMON_OPTIONS, last: { type: 'string' } } as const;

async function runHistory(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('pipeline history', argv, HISTORY_OPTIONS);
  if (values.help) { writeLine(ctx.stdout, HISTORY_HELP); return 0; }
  const name = oneName('history', positionals);
  const last = intFlag('pipeline history', values.last, '--last', 20, 1, 100_000);
  const { settings, specs } = await load(ctx, values);
  findPipeline(specs, name);
  const runs = await pipelineHistory(settings, name, last);
  if (values.json) { writeJson(ctx.stdout, runs); return 0; }
  if (runs.length === 0) { writeLine(ctx.stdout, `${name} has not run yet (\`lading pipeline run ${name}\`)`); return 0; }
  writeLine(ctx.stdout, table(['run', 'trigger', 'status', 'started', 'took', 'dataset', 'holdout', 'candidate', 'steps', 'error'], runs.map((r) => [
    r.id, r.trigger, r.status, utcTime(new Date(r.startedAt)), r.finishedAt === null ? '-' : seconds(r.finishedAt - r.startedAt), r.dataset ?? '-', r.holdout ?? '-', r.candidate ?? '-',
    r.steps.map((s) => `${s.name} ${s.finishedAt === null ? '...' : seconds(s.finishedAt - s.startedAt)}`).join(', '), r.error ?? '',
  ])));
  return 0;
}

function statusJson(s: PipelineStatus) {
  return { ...s, nextCron: s.nextCron === null ? null : new Date(s.nextCron).toISOString() };
}

function triggerText(spec: PipelineSpec): string {
  const t = spec.triggers;
  const parts = [t.cron !== undefined ? `cron "${t.cron}" UTC` : '', t.drift ? 'drift alert' : '', t.newLabels !== undefined ? `${t.newLabels} new labels` : ''].filter((p) => p !== '');
  return parts.length > 0 ? parts.join(', ') : 'by hand only';
}

function stepText(s: ReleaseStep): string {
  switch (s.kind) {
    case 'shadow': return `shadow ${s.requests} requests (agreement >= ${s.minAgreement})`;
    case 'canary': return `canary ${s.percent}%`;
    case 'blue-green': return 'blue/green';
    case 'approval': return 'approval';
  }
}

function runLine(r: PipelineRun): string {
  return `${r.id} (${r.trigger}) ${r.status} at ${utcTime(new Date(r.startedAt))}${r.candidate ? `, candidate ${r.candidate}` : ''}${r.error ? `: ${r.error}` : ''}`;
}

function stepsTable(r: PipelineRun): string {
  return table(['step', 'seconds', 'detail'], r.steps.map((s) => [s.name, s.finishedAt === null ? '-' : ((s.finishedAt - s.startedAt) / 1000).toFixed(2), s.detail ?? '']));
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
