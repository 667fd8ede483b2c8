import { startUiProcess } from '../platform/index.js';
import { parseVerbArgs } from './args.js';
import { COMMON_HELP, COMMON_OPTIONS, type Verb } from './context.js';
import { writeJson, writeLine } from './output.js';

const OPTIONS = {
  ...COMMON_OPTIONS,
  port: { type: 'string' },
  host: { type: 'string' },
  token: { type: 'string' },
  'protect-predictions': { type: 'boolean' },
} as const;

export const verb: Verb = {
  summary: 'the web dashboard (models, deployments, audit log) over a workspace or PostgreSQL registry, serving no model',
  help: `Usage: lading ui [--port N] [--host H] [--token T] [--home DIR | --registry-url URL]

Serves the dashboard at http://HOST:PORT/ui/ and its JSON API at /v1/ui/... over the workspace
(--home) or the PostgreSQL registry (--registry-url), without loading any model. \`lading serve\`
serves the same dashboard beside its models (and then the Live page has figures).

Reading needs no token. Every change (approve or reject a model version, roll a deployment back,
answer a review item) needs the bearer token when one is set, and is recorded in the registry's
audit log, the deployment's history or the review item and its feedback exactly as
\`lading models approve|reject\`, \`lading deploy rollback\` and \`lading review answer\` record it.

JSON API (the dashboard's; scripts may use it):
  GET  /v1/ui/info                                   which parts this server has, whether changes need a token
  GET  /v1/ui/models                                 models with their aliases
  GET  /v1/ui/models/{name}/versions                 a model's versions: kind, dataset, metrics, approval
  GET  /v1/ui/models/{name}/lineage                  dataset -> versions -> deployment and alias periods
  GET  /v1/ui/models/{name}/versions/{v}/evaluation  reliability, accuracy at coverage, per-label figures
  POST /v1/ui/models/{name}/versions/{v}/approve     {"actor"?, "reason"?}
  POST /v1/ui/models/{name}/versions/{v}/reject      {"actor"?, "reason"}
  GET  /v1/ui/deployments                            every endpoint's newest revision
  GET  /v1/ui/deployments/{endpoint}/history         revisions, and what a rollback would restore
  POST /v1/ui/deployments/{endpoint}/rollback        {"actor"?, "reason"?, "fromRevision"?}
  GET  /v1/ui/audit?model=&action=&actor=&limit=     the registry's audit log, newest first
  GET  /v1/ui/pipelines?runs=N                       pipelines with their newest runs, steps and gates
  GET  /v1/ui/monitoring                             endpoints with a prediction log
  GET  /v1/ui/monitoring/{endpoint}?windows=N        the log on a fixed time grid of about N windows (default 8, at most 48;
                                                     cells of 1 s to 28 days, aligned): drift tests, estimated and real
                                                     accuracy, as monitor report over each window (lading ui only; older
                                                     than 15 s: answered, then recomputed behind it; a window not
                                                     computed yet comes at once with "pending": true: ask again)
  GET  /v1/ui/alerts?endpoint=                       the monitor's alert history, newest first
  GET  /v1/ui/experiments                            releases, newest first
  GET  /v1/ui/experiments/{id}                       a release with its evidence, statistic and decision
  GET  /v1/review?endpoint=E&state=open|answered|all  the review queue (as lading serve's), most valuable first
  POST /v1/review/{id}                               {"label"} | {"accept": k}, "actor"?, "note"? (token)

Options:
  --port N             default 8080 (0 = any free port; the chosen one is printed); env LADING_PORT
  --host H             default 127.0.0.1; env LADING_HOST
  --token T            bearer token for changes; env LADING_TOKEN
  --protect-predictions  also demand the token to read the JSON API; env LADING_PROTECT_PREDICTIONS
${COMMON_HELP}`,

  async run(ctx) {
    const { values } = parseVerbArgs('ui', ctx.argv, OPTIONS, false);
    if (values.help) { writeLine(ctx.stdout, this.help); return 0; }
    const settings = ctx.settings(values);
    const ui = await startUiProcess(settings, { signal: ctx.signal, warn: (line) => ctx.stderr.write(`${line}\n`) });
    const summary = { url: `${ui.url}/ui/`, port: ui.port, registry: ui.where, tokenRequired: settings.token !== undefined };
    if (values.json) writeJson(ctx.stdout, summary);
    else writeLine(ctx.stdout, `dashboard at ${summary.url} over ${ui.where}${summary.tokenRequired ? ' (changes need the token)' : ' (no --token: anyone who reaches it can approve and roll back)'}`);
    await ui.closed;
    ctx.stderr.write('stopped\n');
    return 0;
  },
};
