import type { MonitorEvent } from '../monitoring/monitor/monitor-event.js';
import { alertStatePath, monitorAlertRules, startMonitorProcess } from '../platform/index.js';
import { intFlag, parseVerbArgs } from './args.js';
import { COMMON_HELP, COMMON_OPTIONS, type CliContext } from './context.js';
import { fmt, writeLine } from './output.js';

export const RUN_HELP = `Usage: lading monitor run [--endpoint E ...] [--interval-ms N] [--alert-webhook URL] [--once] [options]

Evaluates the alert rules every interval, until Ctrl-C / SIGTERM (then it finishes the evaluation
under way, gives the webhook up to 5 s to deliver, saves its state with whatever the webhook could
not deliver, which the next run sends first, and exits 0). For each endpoint
with logged predictions and each variant: drift against the reference profile, estimated accuracy
(CBPE) and its drop below the reference band, real accuracy from delayed labels and its drop below
the validation accuracy, p99 latency from the log. Every alert fires once and resolves once
(hysteresis); transitions go to the alert history (\`lading monitor report\`), to stdout, and to the
webhook. What is firing is kept in <home>/monitor/alert-state.json (alert-state-E1+E2.json with
--endpoint), so a restart neither fires an alert again nor forgets to resolve one. Error rate and log drops are the server's own counters:
\`lading serve --monitor\` runs this same loop inside the server and evaluates those too.

Rules: the defaults (drift, estimated-accuracy-drop, real-accuracy-drop, error-rate, latency-p99,
log-drops), changed in lading.yaml:

  monitoring:
    alerts:
      - name: slow                  # a new rule
        metric: latency_p99_ms
        window: 5m                  # or a number of predictions
        comparison: '>'
        threshold: 80
        forMs: 2m
      - name: log-drops             # a default, switched off
        enabled: false

Options:
  --endpoint E         watch only E (repeatable; default every endpoint with logged predictions)
  --interval-ms N      how often to evaluate (default 30000); setting monitorIntervalMs,
                       env LADING_MONITOR_INTERVAL_MS, also --monitor-interval-ms
  --alert-webhook URL  POST every fired and resolved alert as JSON ({"type":"alert",...}), retried
                       with backoff; env LADING_ALERT_WEBHOOK
  --once               evaluate once and exit (a cron job keeps its alert state all the same)
  --json               every event as a JSON line on stdout: {"type":"alert",...} and
                       {"type":"evaluation",...}
${COMMON_HELP}`;

const RUN_OPTIONS = {
  ...COMMON_OPTIONS,
  endpoint: { type: 'string', multiple: true },
  'interval-ms': { type: 'string' },
  'monitor-interval-ms': { type: 'string' },
  'alert-webhook': { type: 'string' },
  once: { type: 'boolean', default: false },
} as const;

export async function runMonitorRun(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values } = parseVerbArgs('monitor run', argv, RUN_OPTIONS, false);
  if (values.help) { writeLine(ctx.stdout, RUN_HELP); return 0; }
  // --interval-ms is this verb's short name for the monitorIntervalMs setting; checked here so an
  // error names the flag that was typed.
  if (values['interval-ms'] !== undefined) intFlag('monitor run', values['interval-ms'], '--interval-ms', 0, 100, 86_400_000);
  const resolved = ctx.resolveSettings({ ...values, 'monitor-interval-ms': values['interval-ms'] ?? values['monitor-interval-ms'] });
  const { settings } = resolved;
  // Checked before anything is opened: a bad rule changes nothing.
  const rules = monitorAlertRules(settings.monitoring, (path) => resolved.locate('monitoring', path), resolved.projectFile);
  const json = values.json;
  const onEvent = (e: MonitorEvent) => {
    if (json) { writeLine(ctx.stdout, JSON.stringify(e)); return; }
    if (e.type === 'alert') { writeLine(ctx.stdout, `${e.state === 'fired' ? 'FIRED   ' : 'RESOLVED'} ${e.message}`); return; }
    writeLine(ctx.stderr, evaluationLine(e));
  };
  const endpoints = values.endpoint && values.endpoint.length > 0 ? values.endpoint : undefined;
  if (!json) {
    writeLine(ctx.stderr, `monitoring ${endpoints ? endpoints.join(', ') : 'every endpoint with logged predictions'}${values.once ? ' once' : ` every ${settings.monitorIntervalMs} ms`}; `
      + `rules ${rules.map((r) => r.name).join(', ')}; state in ${alertStatePath(settings, 'run', endpoints)}; alerts to the alert history${settings.alertWebhook ? ' and the webhook' : ''}`);
  }
  let failed = false;
  const monitor = await startMonitorProcess(settings, {
    rules, endpoints, once: values.once, signal: ctx.signal, onEvent,
    onError: (e) => { failed = true; ctx.stderr.write(`monitor: ${e instanceof Error ? e.message : String(e)}\n`); },
    // An alert's event the bus did not take is sent again next run; the alert itself is recorded: not a failure.
    onWarning: (line) => { ctx.stderr.write(`monitor: ${line}\n`); },
  });
  if (values.once) {
    const summary = await monitor.first;
    await monitor.closed;
    return failed || summary.errors.length > 0 ? 1 : 0;
  }
  const stopping = () => { if (!json) ctx.stderr.write('stopping: finishing the evaluation under way...\n'); };
  if (ctx.signal.aborted) stopping();
  else ctx.signal.addEventListener('abort', stopping, { once: true });
  await monitor.closed;
  if (!json) ctx.stderr.write('stopped\n');
  return 0;
}

function evaluationLine(e: Extract<MonitorEvent, { type: 'evaluation' }>): string {
  const variants = e.variants.map((v) => `${v.endpoint}/${v.variant} ${v.predictions} predictions, drift ${v.driftScore === null ? '-' : fmt(v.driftScore, 3)}`
    + `, est. accuracy ${v.estimatedAccuracy === null ? '-' : fmt(v.estimatedAccuracy, 3)}, real ${v.realAccuracy === null ? '-' : `${fmt(v.realAccuracy, 3)} (${v.labelled} labels)`}`);
  const errors = e.errors.map((x) => `${x.endpoint}: ${x.message}`);
  return `evaluated ${e.endpoints.length} endpoint(s) in ${e.durationMs} ms: ${variants.length > 0 ? variants.join('; ') : 'no logged predictions'}; `
    + `${e.fired} fired, ${e.resolved} resolved, ${e.active.length} firing${errors.length > 0 ? `; failed: ${errors.join('; ')}` : ''}`;
}
