import { InputError } from '../core/errors.js';
import { parseTimeSpec } from '../monitoring/log/time-spec.js';
import { decodeProfile } from '../monitoring/profile/profile-codec.js';
import type { ReferenceProfile } from '../monitoring/profile/reference-profile.js';
import { COST_BASIS, NO_COST_RECORD } from '../monitoring/report/cost-report.js';
import { buildMonitorReport, DEFAULT_REPORT_LAST, type MonitorReport, type ReportWindow } from '../monitoring/report/monitor-report.js';
import { withMonitoringStore, withWorkspace } from '../platform/index.js';
import { parseVerbArgs, requireFlag } from './args.js';
import { runMonitorRun } from './monitor-run.js';
import { runSubcommand } from './subcommands.js';
import { COMMON_HELP, COMMON_OPTIONS, type CliContext, type Verb } from './context.js';
import { fmt, table, utcTime, writeJson, writeLine } from './output.js';

const REPORT_HELP = `Usage: lading monitor report --endpoint E [--window N|SPAN] [options]

How an endpoint is doing in production, per variant and model version: traffic, latency (p50/p99),
estimated accuracy (from the reference profile's calibrated scores, with the band outside which it
alerts), that estimate against the real accuracy of the labelled predictions, each drift test against the reference profile with its value, threshold and verdict, the
tokens that separate production from the reference, real accuracy from delayed labels (95% Wilson
interval and the labelled share), recent alerts, and cost per prediction: CPU-seconds per million
texts of each version, ${COST_BASIS}.

Options:
  --endpoint E     the endpoint (required)
  --window W       the newest N predictions (default ${DEFAULT_REPORT_LAST}) or a span back from now (1h, 7d)
${COMMON_HELP}`;

const PROFILE_HELP = `Usage: lading monitor profile NAME@REF|SHA256 [options]

The reference profile stored when the model was trained: validation rows, text length and
out-of-vocabulary figures, predicted-label distribution, the most frequent tokens.
${COMMON_HELP}`;

const OVERVIEW_HELP = `Usage: lading monitor <report|profile|run> [options]

  lading monitor report --endpoint E [--window N|SPAN]
  lading monitor profile NAME@REF|SHA256
  lading monitor run [--endpoint E ...] [--interval-ms N] [--alert-webhook URL] [--once]`;

export const verb: Verb = {
  summary: 'monitor production: drift, estimated and real accuracy, alerts',
  help: OVERVIEW_HELP,
  run: (ctx) => runSubcommand('monitor', OVERVIEW_HELP, { report: runReport, profile: runProfile, run: runMonitorRun }, ctx),
};

const REPORT_OPTIONS = { ...COMMON_OPTIONS, endpoint: { type: 'string' }, window: { type: 'string' } } as const;

export function parseWindow(text: string | undefined, now = Date.now()): ReportWindow {
  if (text === undefined) return { last: DEFAULT_REPORT_LAST };
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < 1) throw new InputError('bad-flag', '--window must be at least 1 prediction', { flag: '--window', value: text });
    return { last: n };
  }
  return { since: parseTimeSpec(text, '--window', now) };
}

async function runReport(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values } = parseVerbArgs('monitor report', argv, REPORT_OPTIONS, false);
  if (values.help) { writeLine(ctx.stdout, REPORT_HELP); return 0; }
  const endpoint = requireFlag('monitor report', values.endpoint, '--endpoint');
  const window = parseWindow(values.window);
  const settings = ctx.settings(values);
  const report = await withMonitoringStore(settings, async (store) => {
    const cache = new Map<string, ReferenceProfile | undefined>();
    return buildMonitorReport(store, endpoint, window, async (sha) => {
      if (!cache.has(sha)) {
        const json = await store.getProfile(sha);
        cache.set(sha, json === undefined ? undefined : decodeProfile(json));
      }
      return cache.get(sha);
    });
  });
  if (report.variants.length === 0) {
    throw new InputError('nothing-logged', `no logged predictions for endpoint ${endpoint} in this window`, { endpoint }, 'See `lading log list` for the endpoints with a log.');
  }
  if (values.json) writeJson(ctx.stdout, report);
  else writeLine(ctx.stdout, renderReport(report));
  return 0;
}

/** The report as a person reads it: one table per concern. */
export function renderReport(r: MonitorReport): string {
  const out: string[] = [`endpoint ${r.endpoint}`];
  out.push(table(['variant', 'model', 'predictions', 'from', 'to', 'p50 ms', 'p99 ms', 'est. accuracy', 'band', 'valid. accuracy'],
    r.variants.map((v) => [v.variant, `${v.model}@${v.version}`, v.predictions, utcTime(new Date(v.from)), utcTime(new Date(v.to)),
      fmt(v.latencyMs.p50, 3), fmt(v.latencyMs.p99, 3), v.estimatedAccuracy?.estimated ?? 'no profile',
      v.estimatedAccuracy ? `${fmt(v.estimatedAccuracy.lower, 3)}..${fmt(v.estimatedAccuracy.upper, 3)}${v.estimatedAccuracy.alert ? ' ALERT' : ''}` : '',
      v.referenceAccuracy])));
  out.push('', ...renderCost(r));
  const compared = r.variants.filter((v) => v.estimateVersusReal !== null);
  if (compared.length > 0) {
    // On the labelled predictions only: how far the label-free estimate is from what the labels say.
    out.push('', 'estimated against real accuracy, on the same labelled predictions:');
    out.push(table(['variant', 'model', 'labelled', 'estimated', 'real', '95% interval', 'error (est. - real)', 'estimate in interval'],
      compared.map((v) => {
        const e = v.estimateVersusReal!;
        return [v.variant, `${v.model}@${v.version}`, e.labelled, e.estimated, e.real, `${fmt(e.interval.lower, 3)}..${fmt(e.interval.upper, 3)}`,
          `${e.error >= 0 ? '+' : ''}${fmt(e.error, 4)}`, e.withinRealInterval ? 'yes' : 'NO'];
      })));
  }
  const real = r.realAccuracy;
  out.push('', 'real accuracy (delayed labels, on prediction time):');
  out.push(table(['variant', 'labelled', 'share', 'accuracy', '95% interval', 'macro-F1'],
    [['all', real.overall.labelled, real.overall.labelledShare, real.overall.accuracy, real.overall.labelled > 0 ? `${fmt(real.overall.interval.lower, 3)}..${fmt(real.overall.interval.upper, 3)}` : '', real.overall.macroF1],
      ...real.byVariant.map((v) => [v.variant, v.labelled, v.labelledShare, v.accuracy, v.labelled > 0 ? `${fmt(v.interval.lower, 3)}..${fmt(v.interval.upper, 3)}` : '', v.macroF1])]));
  for (const v of r.variants) {
    if (!v.drift) continue;
    out.push('', `drift of ${v.variant} (${v.model}@${v.version}) against its reference (${v.drift.rows.baseline} reference rows, ${v.drift.rows.current} current):`);
    out.push(table(['test', 'value', 'threshold', 'from', 'drift'], v.drift.tests.map((t) => [t.name, t.value, t.threshold, t.thresholdFrom, t.drift ? 'DRIFT' : 'ok'])));
    const cur = v.drift.separatingTokens.current.slice(0, 10).map((t) => t.token).join(', ');
    if (cur) out.push(`tokens typical of production: ${cur}`);
  }
  out.push('', r.alerts.length === 0 ? 'alerts: none' : table(['at', 'state', 'rule', 'variant', 'value', 'threshold'],
    r.alerts.map((a) => [utcTime(new Date(a.at)), a.state, a.rule, a.variant ?? '', a.value, a.threshold])));
  return out.join('\n');
}

/** Cost per prediction; a version without a record says so instead of showing nothing. */
function renderCost(r: MonitorReport): string[] {
  const out = ['cost per prediction (CPU-seconds per million texts):', `  ${COST_BASIS}`];
  if (r.cost.versions.length > 0) {
    out.push(table(['model', 'texts', 'CPU-seconds', 'CPU-s per million texts', 'processes', 'recorded'],
      r.cost.versions.map((c) => [`${c.model}@${c.version}`, c.texts, c.cpuSeconds, c.cpuSecondsPerMillion, c.processes, utcTime(new Date(c.recordedAt))])));
  }
  for (const v of r.cost.unrecorded) out.push(`${v}: ${NO_COST_RECORD}`);
  return out;
}

async function runProfile(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('monitor profile', argv, COMMON_OPTIONS, true);
  if (values.help) { writeLine(ctx.stdout, PROFILE_HELP); return 0; }
  const ref = requireFlag('monitor profile', positionals[0], 'NAME@REF');
  const settings = ctx.settings(values);
  const sha = /^[0-9a-f]{64}$/.test(ref) ? ref : await withWorkspace(settings, async (ws) => (await ws.resolveModel(ref)).artifactSha256);
  const json = await withMonitoringStore(settings, (store) => store.getProfile(sha));
  if (json === undefined) {
    throw new InputError('no-profile', `no reference profile is stored for ${ref} (artifact ${sha.slice(0, 12)})`, { model: ref },
      'Profiles are stored by `lading train` on this machine\'s home; retrain, or train with this home.');
  }
  const p = decodeProfile(json);
  const summary = {
    model: ref, sha256: sha, rows: p.rows, trainTexts: p.trainTexts, labels: p.labels.length, validationAccuracy: p.accuracy, vocabulary: p.vocabulary.length,
    numeric: Object.fromEntries(Object.entries(p.numeric).map(([k, v]) => [k, { mean: v.mean, std: v.std }])),
    topTokens: p.tokens.top.slice(0, 20).map((t) => t.token),
    topPredicted: [...p.predictedCounts].map((c, i) => ({ label: p.labels[i]!, share: c / p.rows })).sort((a, b) => b.share - a.share).slice(0, 10),
  };
  if (values.json) { writeJson(ctx.stdout, summary); return 0; }
  writeLine(ctx.stdout, `reference profile of ${ref} (${sha.slice(0, 12)}): ${p.rows} validation rows, ${p.trainTexts} training texts, ${p.labels.length} labels, validation accuracy ${fmt(p.accuracy, 4)}, vocabulary ${p.vocabulary.length} tokens`);
  writeLine(ctx.stdout, table(['descriptor', 'mean', 'std'], Object.entries(summary.numeric).map(([k, v]) => [k, v.mean, v.std])));
  writeLine(ctx.stdout, `most frequent tokens: ${summary.topTokens.join(', ')}`);
  writeLine(ctx.stdout, table(['most predicted', 'share'], summary.topPredicted.map((t) => [t.label, t.share])));
  return 0;
}
