import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import { openPlatformWorkspace } from '../platform.js';
import { singleDeployment } from '../serving/deployment.js';
import { DeploymentControl } from '../lifecycle/deployment-control.js';
import { DeploymentSync } from '../serving/deployment-sync.js';
import { CombinedModelSource, looksLikePath, RegistryModelSource, FileModelSource } from '../serving/model-source.js';
import { ServingPlane } from '../serving/serving-plane.js';
import { startServer } from '../server/start-server.js';
import { intFlag, parseVerbArgs } from './args.js';
import { COMMON_HELP, COMMON_OPTIONS, type Verb } from './context.js';
import { writeJson, writeLine } from './output.js';

const OPTIONS = {
  ...COMMON_OPTIONS,
  model: { type: 'string' },
  name: { type: 'string' },
  deployment: { type: 'string', multiple: true },
  port: { type: 'string' },
  host: { type: 'string', default: '127.0.0.1' },
  workers: { type: 'string' },
  'max-delay-ms': { type: 'string' },
  'max-body-kb': { type: 'string' },
  token: { type: 'string' },
  'protect-predictions': { type: 'boolean', default: false },
  'poll-ms': { type: 'string' },
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
  /admin/deployments[...]            deploy / promote / rollback (need --token)

Options:
  --model REF          an artifact file, or a registered model NAME, NAME@ALIAS or NAME@VERSION
  --name ENDPOINT      endpoint name for --model (default: the model's name)
  --deployment NAME    serve the stored deployment NAME (see \`lading deploy\`, kept in the
                       registry: --home, or --registry-url for PostgreSQL); changes apply
                       without a restart (polled every --poll-ms, default 1000)
  --port N             default 8080 (0 = any free port; the chosen one is printed)
  --host H             default 127.0.0.1
  --workers N          serving threads (default: one per core)
  --max-delay-ms MS    longest a request waits to be batched with others (default 2)
  --max-body-kb KB     largest request body (default 1024)
  --token T            bearer token for admin routes (env LADING_TOKEN)
  --protect-predictions  also demand the token on prediction routes
${COMMON_HELP}`,

  async run(ctx) {
    const { values } = parseVerbArgs('serve', ctx.argv, OPTIONS, false);
    if (values.help) { writeLine(ctx.stdout, this.help); return 0; }
    const settings = ctx.settings(values);
    const deployments = values.deployment ?? [];
    if ((values.model === undefined) === (deployments.length === 0)) {
      throw new InputError('missing-flag', 'lading serve: give --model REF or --deployment NAME (not both)', { verb: 'serve' }, 'Run `lading serve --help`.');
    }
    const workers = intFlag('serve', values.workers, '--workers', availableParallelism(), 1, 256);
    const port = intFlag('serve', values.port, '--port', 8080, 0, 65535);
    const pollMs = intFlag('serve', values['poll-ms'], '--poll-ms', 1000, 50, 3_600_000);
    const maxBodyBytes = intFlag('serve', values['max-body-kb'], '--max-body-kb', 1024, 1, 1 << 20) * 1024;
    const maxDelayMs = values['max-delay-ms'] === undefined ? 2 : Number(values['max-delay-ms']);
    if (!(maxDelayMs >= 0 && maxDelayMs <= 1000)) throw new InputError('bad-flag', `--max-delay-ms must be from 0 to 1000, got "${values['max-delay-ms']}"`, { flag: '--max-delay-ms' });
    const token = values.token ?? ctx.env['LADING_TOKEN'];

    const followsRegistry = deployments.length > 0 || (values.model !== undefined && !looksLikePath(values.model));
    // The admin routes write deployments into the registry, so a token opens it too.
    const workspace = followsRegistry || token !== undefined ? await openPlatformWorkspace(settings) : undefined;
    const source = workspace ? new CombinedModelSource(new RegistryModelSource(workspace, join(settings.home, 'serving-cache'))) : new FileModelSource();
    const plane = new ServingPlane(source, { threads: workers, maxDelayMs });
    const control = workspace ? new DeploymentControl(workspace.deployments, async (ref) => { await source.resolve(ref); }) : undefined;
    let sync: DeploymentSync | undefined;
    let refresher: NodeJS.Timeout | undefined;
    try {
      if (values.model !== undefined) {
        const resolved = await source.resolve(values.model);
        await plane.deploy(singleDeployment(values.name ?? resolved.name, values.model));
        if (followsRegistry) {
          // A registry ref follows its alias: re-resolved every poll, swapped (blue/green) when it moves.
          refresher = setInterval(() => { void plane.refresh().catch(() => undefined); }, pollMs);
          refresher.unref();
        }
      } else {
        sync = new DeploymentSync(workspace!.deployments, plane, (r) => {
          for (const f of r.failed) ctx.stderr.write(`deployment ${f.endpoint} not applied: ${f.error}\n`);
          for (const a of r.applied) ctx.stderr.write(`deployment ${a} applied\n`);
        });
        await sync.syncOnce();
        for (const d of deployments) if (!plane.endpoint(d)) throw new InputError('unknown-deployment', `no live deployment named ${d}`, { deployment: d }, 'Create it with `lading deploy set`.');
        sync.start(pollMs);
      }
    } catch (e) {
      await plane.close();
      workspace?.close();
      throw e;
    }
    const server = await startServer({
      plane, host: values.host, port, token, protectPredictions: values['protect-predictions'], maxBodyBytes,
      control: token !== undefined ? control : undefined, afterChange: sync ? () => sync!.syncOnce() : undefined,
    });
    const info = { url: server.url, port: server.port, endpoints: plane.list().map((e) => e.status()), workers, maxDelayMs };
    if (values.json) writeJson(ctx.stdout, info);
    else writeLine(ctx.stdout, `serving ${plane.list().map((e) => e.name).join(', ')} at ${server.url} (${workers} threads, batching delay <= ${maxDelayMs} ms)`);

    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    ctx.stderr.write('draining: finishing requests in flight...\n');
    await sync?.stop();
    if (refresher) clearInterval(refresher);
    await server.close();
    workspace?.close();
    ctx.stderr.write('stopped\n');
    return 0;
  },
};
