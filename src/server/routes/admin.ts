import { Hono, type Context } from 'hono';
import { InputError } from '../../core/errors.js';
import type { DeploymentControl } from '../../lifecycle/deployment-control.js';
import type { DeploymentSpec } from '../../serving/deployment.js';
import { accessChecked, actorFor, callerOf, callerWith, modelOfRef, type Caller } from '../access-guard.js';
import { unauthorised } from '../bearer-auth.js';
import { fail } from '../fail.js';
import { readJson } from '../read-json.js';
import type { ServerContext } from '../server-context.js';

const str = (body: unknown, field: string, optional = false): string | undefined => {
  const v = (body as Record<string, unknown> | null)?.[field];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 1024) throw new InputError('bad-request', `"${field}" must be a non-empty string`, { field });
  return v;
};

/**
 * Deployment changes and the shadow record, behind the bearer token. Off (404) without a token (or
 * a tokens file) or a deployment store. Mounted at /admin. With named tokens, reading needs `read`
 * and a change needs `deploy` on every model of the endpoint, before and after; the audit log
 * records the token's name.
 */
export function adminRoutes(ctx: ServerContext): Hono {
  const { plane } = ctx;
  const app = new Hono();
  app.use('*', async (c, next) => {
    if (!accessChecked(ctx) || ctx.control === undefined) return c.json({ error: 'admin routes are off: start the server with a token (or a tokens file) and a deployment store' }, 404);
    if (!callerOf(c, ctx)) return unauthorised(c, plane);
    await next();
  });
  const read = (route: string, run: (c: Context) => Promise<unknown> | unknown) => async (c: Context) => {
    try {
      callerWith(c, ctx, 'read');
      return c.json(await run(c) as object);
    } catch (e) {
      return fail(c, plane, e, route);
    }
  };
  /** A deployment change: the caller needs `deploy` on every model the endpoint serves now (and, for a new spec, will serve). */
  const change = (route: string, run: (c: Context, control: DeploymentControl, body: unknown, models: (extra?: readonly string[]) => Promise<Caller>) => Promise<unknown>) => async (c: Context) => {
    try {
      const control = ctx.control!;
      const body = await readJson(c, ctx.maxBodyBytes).catch((e: unknown) => { if (route === 'admin-rollback') return {}; throw e; });
      const endpoint = c.req.param('endpoint') ?? (body as { spec?: { endpoint?: unknown } } | null)?.spec?.endpoint;
      const models = async (extra: readonly string[] = []) => {
        const live = typeof endpoint === 'string' ? await control.store.current(endpoint) : undefined;
        const serving = live?.spec?.variants.map((v) => modelOfRef(v.model)) ?? [];
        return callerWith(c, ctx, 'deploy', [...new Set([...serving, ...extra])])!;
      };
      const result = await run(c, control, body, models);
      await ctx.afterChange?.();
      return c.json(result as object);
    } catch (e) {
      return fail(c, plane, e, route);
    }
  };
  app.get('/deployments', read('admin-deployments', async () => ({ deployments: await ctx.control!.store.currentAll() })));
  app.get('/deployments/:endpoint/history', read('admin-history', async (c) => ({ history: await ctx.control!.store.history(c.req.param('endpoint') ?? '') })));
  app.get('/shadow', read('admin-shadow', () => ({ records: plane.shadows.recent() })));
  app.post('/deployments', change('admin-deploy', async (_c, control, body, models) => {
    const spec = (body as { spec?: unknown } | null)?.spec;
    if (typeof spec !== 'object' || spec === null) throw new InputError('bad-request', '"spec" must be a deployment object {endpoint, mode, variants}', { field: 'spec' });
    const variants = (spec as { variants?: unknown }).variants;
    const caller = await models(Array.isArray(variants) ? variants.flatMap((v) => (typeof v?.model === 'string' ? [modelOfRef(v.model)] : [])) : []);
    return control.deploy(spec as DeploymentSpec, actorFor(caller, str(body, 'actor', true), 'http-admin'), str(body, 'reason', true) ?? null);
  }));
  app.post('/deployments/:endpoint/promote', change('admin-promote', async (c, control, body, models) => {
    const caller = await models();
    return control.promote(c.req.param('endpoint') ?? '', str(body, 'variant')!, actorFor(caller, str(body, 'actor', true), 'http-admin'), str(body, 'reason', true) ?? null);
  }));
  app.post('/deployments/:endpoint/rollback', change('admin-rollback', async (c, control, body, models) => {
    const caller = await models();
    return control.rollback(c.req.param('endpoint') ?? '', actorFor(caller, str(body, 'actor', true), 'http-admin'), str(body, 'reason', true) ?? null);
  }));
  return app;
}
