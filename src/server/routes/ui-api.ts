import { Hono, type Context } from 'hono';
import { InputError, NotFoundError } from '../../core/errors.js';
import type { AuditAction, AuditEntry, ModelVersionRecord } from '../../registry/model-registry.js';
import type { Role } from '../../core/access.js';
import { modelLineageOverview } from '../../registry/model-lineage-overview.js';
import { accessChecked, actorFor, callerWith, modelOfRef } from '../access-guard.js';
import { unauthorised } from '../bearer-auth.js';
import { fail } from '../fail.js';
import { readJson } from '../read-json.js';
import type { ServerContext } from '../server-context.js';
import { DEFAULT_TIMELINE_WINDOWS, type UiBackend, type UiRegistry } from './ui-backend.js';
import { MarkedAnswers } from './ui-marked-answers.js';

export type { UiBackend, UiExperiments, UiRegistry } from './ui-backend.js';

const AUDIT_ACTIONS: readonly AuditAction[] = ['register', 'alias-set', 'alias-delete', 'approve', 'reject', 'rollback', 'delete-version'];

/**
 * The dashboard's JSON API, mounted at /v1/ui (documented in the README; scripts may use it too).
 * Reads are open unless the server protects everything (--protect-predictions); every change needs
 * the bearer token when one is set, and goes through the registry or deployment operation the CLI
 * uses, so it lands in the same audit trail with the actor the request names.
 */
export function uiApiRoutes(ctx: ServerContext, ui: UiBackend): Hono {
  const { plane } = ctx;
  const app = new Hono();
  const read = (route: string, run: (c: Context) => Promise<unknown>) => async (c: Context) => {
    try {
      return c.json(await run(c) as object);
    } catch (e) {
      return fail(c, plane, e, route);
    }
  };
  /** An action of the dashboard: `role` on `models` of the request (named tokens), the actor the token's name. */
  const change = (route: string, role: Role, models: (c: Context) => Promise<readonly string[]>, run: (c: Context, body: ChangeBody) => Promise<unknown>) => async (c: Context) => {
    try {
      const caller = callerWith(c, ctx, role, await models(c));
      if (!caller) return unauthorised(c, plane);
      const said = changeBody(await readJson(c, ctx.maxBodyBytes));
      const body = { ...said, actor: actorFor(caller, said.actor, said.actor) };
      const result = await run(c, body);
      await ctx.afterChange?.();
      return c.json(result as object);
    } catch (e) {
      return fail(c, plane, e, route);
    }
  };
  const need = <T>(part: T | undefined, what: string): T => {
    if (part === undefined) throw uiPartMissing(what);
    return part;
  };

  app.get('/info', (c) => c.json({
    registry: ui.registry !== undefined, deployments: ui.deployments !== undefined, alerts: ui.alerts !== undefined, monitoring: ui.monitoring !== undefined, experiments: ui.experiments !== undefined,
    // The review queue's own routes (/v1/review) are served by lading serve with the prediction log on.
    review: ctx.review !== undefined, pipelines: ui.pipelines !== undefined, tokenRequired: accessChecked(ctx), endpoints: plane.list().map((e) => e.name),
  }));

  // Models first, versions per model: a registry of a thousand versions answers each in well under 100 ms.
  app.get('/models', read('ui-models', async () => ({ models: await need(ui.registry, 'the model registry').listModels() })));
  // Kept as encoded JSON while the model's registry entries (and for lineage the deployments) did not change (ui-marked-answers.ts).
  const marked = new MarkedAnswers();
  const readMarked = (route: string, run: (c: Context, registry: UiRegistry) => Promise<{ key: string; mark: string; compute: () => Promise<unknown> }>) =>
    async (c: Context) => {
      try {
        const { key, mark, compute } = await run(c, need(ui.registry, 'the model registry'));
        return c.body(await marked.get(`${route}\u0000${key}`, mark, compute), 200, { 'Content-Type': 'application/json' });
      } catch (e) {
        return fail(c, plane, e, route);
      }
    };
  app.get('/models/:name/versions', readMarked('ui-model-versions', async (c, registry) => {
    const name = c.req.param('name') ?? '';
    return { key: name, mark: await registry.changeMark(name), compute: async () => ({ name, versions: (await registry.listModelVersions(name)).map(versionSummary) }) };
  }));
  // The deployment store lets the overview read the audit log and histories once, not per version.
  app.get('/models/:name/lineage', readMarked('ui-model-lineage', async (c, registry) => {
    const name = c.req.param('name') ?? '';
    const deployments = ui.deployments?.store;
    const mark = `${await registry.changeMark(name)} ${deployments ? await deployments.lastSeq() : '-'}`;
    return { key: name, mark, compute: () => modelLineageOverview(registry, name, { deployments }) };
  }));
  app.get('/models/:name/versions/:version/evaluation', read('ui-version-evaluation', async (c) =>
    need(ui.evaluation, 'the model registry').evaluate(c.req.param('name') ?? '', versionParam(c.req.param('version')))));
  app.post('/models/:name/versions/:version/:decision{approve|reject}', change('ui-decision', 'approve', async (c) => [c.req.param('name') ?? ''], async (c, body) => {
    const registry = need(ui.registry, 'the model registry');
    const input = { name: c.req.param('name') ?? '', version: versionParam(c.req.param('version')), actor: body.actor, ...(body.reason !== undefined ? { reason: body.reason } : {}) };
    return c.req.param('decision') === 'approve' ? registry.approveVersion(input) : registry.rejectVersion(input);
  }));

  app.get('/deployments', read('ui-deployments', async () => ({ deployments: await need(ui.deployments, 'the deployment store').store.currentAll() })));
  app.get('/deployments/:endpoint/history', read('ui-deployment-history', async (c) => {
    const control = need(ui.deployments, 'the deployment store');
    const endpoint = c.req.param('endpoint') ?? '';
    const history = await control.store.history(endpoint);
    // What a rollback would restore, or why it cannot: the confirmation dialog shows it.
    const rollback = await control.planRollback(endpoint).then((p) => ({ from: p.current.revision, to: p.target.revision }), (e: unknown) => ({ refused: (e as Error).message }));
    return { endpoint, history, rollback };
  }));
  app.post('/deployments/:endpoint/rollback', change('ui-rollback', 'deploy', async (c) => {
    const live = await ui.deployments?.store.current(c.req.param('endpoint') ?? '');
    return live?.spec?.variants.map((v) => modelOfRef(v.model)) ?? [];
  }, async (c, body) => {
    const control = need(ui.deployments, 'the deployment store');
    return control.rollback(c.req.param('endpoint') ?? '', body.actor, body.reason ?? null, body.fromRevision !== undefined ? { fromRevision: body.fromRevision } : {});
  }));

  app.get('/audit', read('ui-audit', async (c) => {
    const registry = need(ui.registry, 'the model registry');
    const q = c.req.query();
    const action = q['action'] || undefined;
    if (action !== undefined && !AUDIT_ACTIONS.includes(action as AuditAction)) {
      throw new InputError('bad-query', `action must be one of ${AUDIT_ACTIONS.join(', ')}, got "${action.slice(0, 50)}"`, { field: 'action' });
    }
    const limit = q['limit'] ? countParam(q['limit'], 'limit') : 500;
    const entries = await registry.auditLog({ ...(q['model'] ? { model: q['model'] } : {}), limit: action || q['actor'] ? 100_000 : limit });
    const kept = entries.filter((e: AuditEntry) => (action === undefined || e.action === action) && (!q['actor'] || e.actor === q['actor']));
    // Newest first, as a person reads a log.
    return { entries: kept.reverse().slice(0, limit) };
  }));

  app.get('/experiments', read('ui-experiments', async (c) => {
    const endpoint = c.req.query('endpoint') || undefined;
    return { releases: await need(ui.experiments, 'the release store').list(endpoint, 200) };
  }));
  app.get('/experiments/:id', read('ui-experiment', async (c) => {
    const experiments = need(ui.experiments, 'the release store');
    const id = countParam(c.req.param('id') ?? '', 'release id');
    const release = await experiments.get(id);
    if (!release) throw new NotFoundError('no-release', `there is no release ${id}`, { release: id }, 'GET /v1/ui/experiments lists them.');
    // Infinite bounds (no label yet) would be written as null by JSON: kept as null on purpose.
    const now = await experiments.inspect(release);
    return { release, evidence: now?.evidence ?? null, decision: now?.decision ?? null };
  }));

  app.get('/monitoring', read('ui-monitoring', async () => ({ endpoints: await need(ui.monitoring, 'the monitoring store').endpoints() })));
  app.get('/monitoring/:endpoint', read('ui-monitoring-timeline', async (c) => {
    const monitoring = need(ui.monitoring, 'the monitoring store');
    const w = c.req.query('windows');
    const windows = w ? countParam(w, 'windows') : DEFAULT_TIMELINE_WINDOWS;
    if (windows > 48) throw new InputError('bad-query', `windows must be at most 48, got ${windows}`, { field: 'windows' });
    const endpoint = c.req.param('endpoint') ?? '';
    return { endpoint, windows: await monitoring.timeline(endpoint, windows) };
  }));

  app.get('/pipelines', read('ui-pipelines', async (c) => {
    const r = c.req.query('runs');
    const runs = r ? countParam(r, 'runs') : 20;
    if (runs > 200) throw new InputError('bad-query', `runs must be at most 200, got ${runs}`, { field: 'runs' });
    return need(ui.pipelines, 'the pipeline store').list(runs);
  }));

  app.get('/alerts', read('ui-alerts', async (c) => {
    const alerts = need(ui.alerts, 'the monitoring store');
    const endpoint = c.req.query('endpoint') || undefined;
    return { events: await alerts.listAlertEvents({ endpoint, limit: 1000 }) };
  }));
  return app;
}

/**
 * What the Models page shows of a version: its label list (thousands of codes for an HS model),
 * input schema and parameters stay out, so a thousand versions stay a small answer
 * (GET /v1/registry/models/{name}/versions has everything).
 */
function versionSummary(v: ModelVersionRecord) {
  return {
    model: v.model, version: v.version, kind: v.kind, labelCount: v.labels.length, metrics: v.metrics, datasetId: v.datasetId, parentVersion: v.parentVersion,
    artifactBytes: v.artifactBytes, registeredBy: v.registeredBy, registeredAt: v.registeredAt, tags: v.tags, approval: v.approval, deletedAt: v.deletedAt,
  };
}

interface ChangeBody {
  readonly actor: string;
  readonly reason: string | undefined;
  readonly fromRevision: number | undefined;
}

/** The JSON body of a change: who (default "dashboard"), why, and for a rollback the revision the person saw. */
function changeBody(body: unknown): ChangeBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InputError('bad-request', 'the body must be a JSON object {actor?, reason?}', { field: '$' });
  const b = body as Record<string, unknown>;
  const text = (field: string): string | undefined => {
    const v = b[field];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string' || v.length > 1024) throw new InputError('bad-request', `"${field}" must be a string of at most 1024 characters`, { field });
    return v;
  };
  const from = b['fromRevision'];
  if (from !== undefined && !(Number.isInteger(from) && (from as number) > 0)) throw new InputError('bad-request', '"fromRevision" must be a positive integer', { field: 'fromRevision' });
  return { actor: text('actor') ?? 'dashboard', reason: text('reason'), fromRevision: from as number | undefined };
}

function versionParam(v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InputError('bad-version', `the version must be a positive integer, got "${String(v).slice(0, 50)}"`, { field: 'version' });
  return n;
}

function countParam(v: string, field: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new InputError('bad-query', `${field} must be an integer from 1 to 100000, got "${v.slice(0, 50)}"`, { field });
  return n;
}

/** The server was started without the part a route reads (no registry, no monitoring store). */
function uiPartMissing(what: string): NotFoundError {
  return new NotFoundError('ui-part-missing', `this server has no ${what.replace(/^the /, '')} open`, { part: what },
    'Start `lading ui --home DIR` or `lading ui --registry-url URL`, or `lading serve` with --token or a registry model.');
}
