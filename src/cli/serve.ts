import type { Writable } from 'node:stream';
import { InputError } from '../core/errors.js';
// Straight from their modules, not the platform/ barrel: a server's start-up (cold start) then
// never loads what only other processes use (the stream worker's NATS client, feature stores, ...).
import { monitorAlertRules } from '../platform/monitor-process.js';
import { PROCESS_INDEX_ENV, runServingPrimary, servingClusterIndex } from '../platform/serving-cluster.js';
import { startServingProcess } from '../platform/serving-process.js';
import { checkServingTaxonomy } from '../platform/serving-taxonomy.js';
import { describeSource } from '../config/load-settings.js';
import { parseVerbArgs } from './args.js';
import { COMMON_HELP, COMMON_OPTIONS, type Verb } from './context.js';
import { writeJson, writeLine } from './output.js';

const OPTIONS = {
  ...COMMON_OPTIONS,
  model: { type: 'string' },
  name: { type: 'string' },
  deployment: { type: 'string', multiple: true },
  port: { type: 'string' },
  host: { type: 'string' },
  workers: { type: 'string' },
  processes: { type: 'string' },
  'max-delay-ms': { type: 'string' },
  'max-body-kb': { type: 'string' },
  token: { type: 'string' },
  'tokens-file': { type: 'string' },
  'four-eyes': { type: 'boolean' },
  'protect-predictions': { type: 'boolean' },
  'poll-ms': { type: 'string' },
  log: { type: 'boolean' },
  'no-log': { type: 'boolean' },
  'log-flush-ms': { type: 'string' },
  'log-queue-texts': { type: 'string' },
  'log-retention-days': { type: 'string' },
  'log-retention-rows': { type: 'string' },
  'log-text': { type: 'boolean' },
  'log-sample': { type: 'string' },
  'no-log-text': { type: 'boolean' },
  'online-store-url': { type: 'string' },
  monitor: { type: 'boolean' },
  'monitor-interval-ms': { type: 'string' },
  'alert-webhook': { type: 'string' },
  'review-below': { type: 'string' },
  'target-precision': { type: 'string' },
  taxonomy: { type: 'string' },
  remap: { type: 'string' },
} as const;

export const verb: Verb = {
  summary: 'serve models over HTTP: REST classify, Open Inference Protocol V2, metrics, deployments',
  help: `Usage: lading serve --model PATH|NAME[@ALIAS|@VERSION] [options]
       lading serve --deployment ENDPOINT [--deployment ENDPOINT2...] [options]

Loads the model in one worker thread per core (--workers) behind an adaptive micro-batcher and
serves until Ctrl-C / SIGTERM, then drains: new requests get 503, requests in flight are answered.

Routes:
  POST /v1/models/{name}:classify    {"texts": [...], "top": k, "explain": bool, "key": "..."}
  GET  /v2, /v2/health/live, /v2/health/ready, /v2/models/{name}[/versions/{v}][/ready]
  POST /v2/models/{name}[/versions/{v}]/infer   (Open Inference Protocol V2, BYTES input of texts)
  GET  /metrics                      Prometheus
  GET  /v1/models                    endpoints and their variants
  POST /v1/feedback                  delayed labels {"endpoint"?, "items": [{"requestId"|"text", "label", "time"?, "source"?}]}
                                     (with the prediction log on)
  GET  /v1/review?endpoint=E         the review queue, most valuable first (with the prediction log on)
  GET  /v1/review/{id}, POST /v1/review/{id}   an item; answer it {"label"} | {"accept": k} (token when set)
  /admin/deployments[...]            deploy / promote / rollback (need --token)

Options:
  --model REF          an artifact file, or a registered model NAME, NAME@ALIAS or NAME@VERSION
  --name ENDPOINT      endpoint name for --model (default: the model's name)
  --deployment NAME    serve the stored deployment NAME (see \`lading deploy\`, kept in the
                       registry: --home, or --registry-url for PostgreSQL); changes apply
                       without a restart (polled every --poll-ms, default 250)
  --port N             default 8080 (0 = any free port; the chosen one is printed); env LADING_PORT
  --host H             default 127.0.0.1; env LADING_HOST
  --workers N          serving threads (default: one per core); env LADING_WORKERS
  --processes N        N processes share the port, each parsing, scoring and answering on its
                       own HTTP thread (no hop to a serving thread; the fastest way to use every
                       core for many small requests). They share the prediction log's store and
                       follow the registry's deployments by polling; feedback and /metrics see all
                       of them; process 0 runs --monitor; a process that dies is started again.
                       Default 1; env LADING_PROCESSES
  --max-delay-ms MS    longest a request waits to be batched with others (default 2); env LADING_MAX_DELAY_MS
  --max-body-kb KB     largest request body (default 1024); env LADING_MAX_BODY_KB
  --token T            bearer token for admin routes; env LADING_TOKEN
  --tokens-file FILE   named tokens with roles (read, predict, register, approve, deploy, review) and
                       model scopes, each stored as its sha256 (README "Who may do what"); a request's
                       token must have the action's role for every model it touches (else 403), and
                       the audit log records the token's name; env LADING_TOKENS_FILE
  --four-eyes          a version is approved only by someone other than who registered it; env
                       LADING_FOUR_EYES; lading.yaml key fourEyes
  --protect-predictions  also demand the token on prediction routes; env LADING_PROTECT_PREDICTIONS
  --poll-ms MS         how often deployments and aliases are checked (default 250); env LADING_POLL_MS
  --target-precision P decide or route: every answer carries "decision": "auto" when the model's
                       per-class thresholds (fitted on its validation rows) reach precision P there,
                       else "review" (REST: a field of each prediction; OIP: an extra BYTES output
                       "decision"). A deployment's own targetPrecision wins. Default: none (no
                       decisions); env LADING_TARGET_PRECISION; lading.yaml key targetPrecision
  --taxonomy NAME[@V]  answer in this stored taxonomy: each answer carries the code's official
                       description, and a model never answers a code the taxonomy lacks (its best
                       valid one among its 10 best classes, else "decision": "review", routed to the
                       review queue). A deployment's own taxonomy wins. Env LADING_SERVING_TAXONOMY;
                       lading.yaml key servingTaxonomy
  --remap OLD->NEW|ID  during a taxonomy transition, answers go through this stored correlation
                       table: renamed and merged codes answer as the new code, a split one as
                       "review" with the candidate codes. Env LADING_SERVING_REMAP; lading.yaml key
                       servingRemap

Prediction log (on by default: every answer, with its request id, model version, top 5 and text
statistics, is written off the request path to <home>/monitoring.sqlite, or to PostgreSQL with
--registry-url; when the store falls behind, answers are dropped from the log and counted in
lading_log_dropped_total, never slowed):
  --no-log             do not record answers (and no POST /v1/feedback); env LADING_LOG=false
  --log-flush-ms MS    how often queued answers are written (default 1000): the most a killed
                       server loses; SIGTERM loses none; env LADING_LOG_FLUSH_MS
  --log-queue-texts N  texts waiting to be logged at most (default 50000); env LADING_LOG_QUEUE_TEXTS
  --log-retention-days D   delete logged answers older than D days (default 30, 0 = keep); hourly
  --log-retention-rows N   keep at most N logged answers (default 10000000, 0 = no limit)
  --log-sample S       the share of requests the log keeps, above 0 to 1 (default 1); whole requests,
                       picked by a hash of the request id; env LADING_LOG_SAMPLE
  --no-log-text        keep only each text's sha256, not the text (confidential descriptions);
                       env LADING_LOG_TEXT=false
  --online-store-url URL   entity features of models trained with them (requests' \`entities\`) from
                       Redis (redis://...); env LADING_ONLINE_STORE_URL; default <home>/online.sqlite

Monitoring (see \`lading monitor run --help\` for the rules and lading.yaml's monitoring.alerts):
  --monitor            also run the monitor loop in this process: every --monitor-interval-ms it
                       evaluates the alert rules (drift, estimated and real accuracy, p99 latency, and
                       this server's own error rate and log drops), sends transitions to the alert
                       history, stderr and --alert-webhook, and keeps lading_drift_score,
                       lading_accuracy and lading_alert_active current on /metrics; env LADING_MONITOR
  --monitor-interval-ms MS  how often (default 30000); env LADING_MONITOR_INTERVAL_MS
  --alert-webhook URL  POST each fired and resolved alert as JSON; env LADING_ALERT_WEBHOOK

Review queue (<home>/review.sqlite, or PostgreSQL with --registry-url; see \`lading review --help\`):
  --review-below S     route each text whose top score is below S to the review queue, off the
                       request path (default 0: none); identical texts are one item; env LADING_REVIEW_BELOW
${COMMON_HELP}`,

  async run(ctx) {
    const { values } = parseVerbArgs('serve', ctx.argv, OPTIONS, false);
    if (values.help) { writeLine(ctx.stdout, this.help); return 0; }
    const resolved = ctx.resolveSettings({
      ...values,
      log: values['no-log'] ? false : values.log,
      'log-text': values['no-log-text'] ? false : values['log-text'],
    });
    const { settings } = resolved;
    // Checked before anything starts: a bad rule in lading.yaml names its line and changes nothing.
    const rules = settings.monitor ? monitorAlertRules(settings.monitoring, (path) => resolved.locate('monitoring', path), resolved.projectFile) : undefined;
    const deployments = values.deployment ?? [];
    if ((values.model === undefined) === (deployments.length === 0)) {
      throw new InputError('missing-flag', 'lading serve: give --model REF or --deployment NAME (not both)', { verb: 'serve' }, 'Run `lading serve --help`.');
    }
    const target = values.model !== undefined ? { models: [{ ref: values.model, endpoint: values.name }] } : { deployments };
    // An unknown taxonomy or table is refused naming where it was set, before anything starts.
    await checkServingTaxonomy(settings, (key) => describeSource(resolved.sources[key]));
    const memberIndex = servingClusterIndex(ctx.env[PROCESS_INDEX_ENV]);
    if (settings.processes > 1 && memberIndex === undefined) {
      // The primary only supervises: the processes it forks run this same command and serve.
      return runServingPrimary({
        processes: settings.processes, signal: ctx.signal,
        onReady: (summary) => {
          const s = summary as ServeSummary;
          if (values.json) writeJson(ctx.stdout, { ...withoutNames(s), processes: settings.processes });
          else writeSummary(ctx.stdout, s, `${settings.processes} processes, each scoring on its HTTP thread`);
        },
        onRestart: (index, code, signal) => ctx.stderr.write(`serving process ${index} died (${signal ?? `exit code ${code}`}); starting it again\n`),
      });
    }
    const served = await startServingProcess(settings, target, {
      signal: ctx.signal,
      clusterMember: memberIndex === undefined ? undefined : { index: memberIndex },
      onLogWarning: (line) => ctx.stderr.write(`${line}\n`),
      monitor: {
        rules,
        onEvent: (e) => {
          if (e.type === 'alert') ctx.stderr.write(`alert ${e.state === 'fired' ? 'FIRED' : 'RESOLVED'}: ${e.message}\n`);
          else for (const x of e.errors) ctx.stderr.write(`monitor: evaluating ${x.endpoint} failed: ${x.message}\n`);
        },
      },
      onSyncReport: (r) => {
        for (const f of r.failed) ctx.stderr.write(`deployment ${f.endpoint} not applied: ${f.error}\n`);
        for (const a of r.applied) ctx.stderr.write(`deployment ${a} applied\n`);
      },
    });
    const { workers, maxDelayMs } = settings;
    const summary: ServeSummary = {
      url: served.url, port: served.port, endpoints: served.plane.list().map((e) => e.status()), names: served.plane.list().map((e) => e.name), workers, maxDelayMs,
      log: served.log ? { where: served.log.where, flushMs: settings.logFlushMs, text: settings.logText } : null,
      monitor: served.monitor ? { intervalMs: settings.monitorIntervalMs, rules: rules?.map((r) => r.name) ?? [], webhook: settings.alertWebhook !== undefined } : null,
      review: served.review ? { where: served.review.where, routesBelow: settings.reviewBelow > 0 ? settings.reviewBelow : null } : null,
    };
    if (served.cluster) {
      // The primary prints for all; a member says it listens and serves until its signal.
      served.cluster.ready(summary);
      await served.closed;
      return 0;
    }
    if (values.json) writeJson(ctx.stdout, withoutNames(summary));
    else writeSummary(ctx.stdout, summary, `${workers} threads`);

    // Ctrl-C or SIGTERM: the serving process closes itself on the signal; say so and wait for it.
    const stopping = () => ctx.stderr.write('draining: finishing requests in flight...\n');
    if (ctx.signal.aborted) stopping();
    else ctx.signal.addEventListener('abort', stopping, { once: true });
    await served.closed;
    ctx.stderr.write('stopped\n');
    return 0;
  },
};

/** What `lading serve` prints when it listens (and `--json` writes). */
interface ServeSummary {
  readonly url: string;
  readonly port: number;
  /** Each endpoint's status (undefined while it has no model loaded). */
  readonly endpoints: ReadonlyArray<{ readonly endpoint: string } | undefined>;
  readonly names: readonly string[];
  readonly workers: number;
  readonly maxDelayMs: number;
  readonly log: { readonly where: string; readonly flushMs: number; readonly text: boolean } | null;
  readonly monitor: { readonly intervalMs: number | undefined; readonly rules: readonly string[]; readonly webhook: boolean } | null;
  /** The review queue (with the log on); routesBelow null when no score threshold routes texts of endpoints that do not decide. */
  readonly review?: { readonly where: string; readonly routesBelow: number | null } | null;
}

function writeSummary(out: Writable, s: ServeSummary, how: string): void {
  writeLine(out, `serving ${s.names.join(', ')} at ${s.url} (${how}, batching delay <= ${s.maxDelayMs} ms)`);
  const m = s.monitor;
  if (m) writeLine(out, `monitoring every ${m.intervalMs} ms: rules ${m.rules.join(', ')}; alerts to stderr, the alert history${m.webhook ? ', the webhook' : ''} and /metrics`);
  const log = s.log;
  writeLine(out, log ? `logging every answer to ${log.where} (written every ${log.flushMs} ms${log.text ? '' : ', text hashes only'}; --no-log turns it off)` : 'prediction log off (--no-log)');
  const r = s.review;
  if (r) {
    writeLine(out, `review queue in ${r.where}: the "review" answers of endpoints with a target precision go there${r.routesBelow !== null
      ? `, and elsewhere texts whose top score is below ${r.routesBelow}` : ' (--review-below S also routes uncertain texts of endpoints without one)'}`);
  }
}

/** The `--json` shape, as it was before the summary carried the names for the text line. */
function withoutNames(s: ServeSummary): Omit<ServeSummary, 'names'> {
  const { names: _names, ...rest } = s;
  return rest;
}
