import { Hono, type Context } from 'hono';
import { InputError } from '../../core/errors.js';
import type { DeploymentControl } from '../../lifecycle/deployment-control.js';
import type { DeploymentSpec } from '../../serving/deployment.js';
import { authorised, unauthorised } from '../bearer-auth.js';
import { fail } from '../fail.js';
import { readJson } from '../read-json.js';
import type { ServerContext } from '../server-context.js';

const str = (body: unknown, field: string, optional = false): string | undefined => {
  const v = (body as Record<string, unknown> | null)?.[field];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 1024) throw new InputError('bad-request', `"${field}" must be a non-empty string`, { field });
  return v;
};
const actorOf = (body: unknown) => str(body, 'actor', true) ?? 'http-admin';

/**
 * Deployment changes and the shadow record, behind the bearer token. Off (404) without a token or
 * a deployment store. Mounted at /admin.
 */
export function adminRoutes(ctx: ServerContext): Hono {
  const { plane } = ctx;
  const app = new Hono();
  app.use('*', async (c, next) => {
    if (ctx.token === undefined || ctx.control === undefined) return c.json({ error: 'admin routes are off: start the server with a token and a deployment store' }, 404);
    if (!authorised(c, ctx.token)) return unauthorised(c, plane);
    await next();
  });
  const change = (route: string, run: (c: Context, control: DeploymentControl) => Promise<unknown>) => async (c: Context) => {
    try {
      const result = await run(c, ctx.control!);
      await ctx.afterChange?.();
      return c.json(result as object);
    } catch (e) {
      return fail(c, plane, e, route);
    }
  };
  app.get('/deployments', async (c) => c.json({ deployments: await ctx.control!.store.currentAll() }));
  app.get('/deployments/:endpoint/history', async (c) => c.json({ history: await ctx.control!.store.history(c.req.param('endpoint')) }));
  app.get('/shadow', (c) => c.json({ records: plane.shadows.recent() }));
  app.post('/deployments', change('admin-deploy', async (c, control) => {
    const body = await readJson(c, ctx.maxBodyBytes);
    const spec = (body as { spec?: unknown } | null)?.spec;
    if (typeof spec !== 'object' || spec === null) throw new InputError('bad-request', '"spec" must be a deployment object {endpoint, mode, variants}', { field: 'spec' });
    return control.deploy(spec as DeploymentSpec, actorOf(body), str(body, 'reason', true) ?? null);
  }));
  app.post('/deployments/:endpoint/promote', change('admin-promote', async (c, control) => {
    const body = await readJson(c, ctx.maxBodyBytes);
    return control.promote(c.req.param('endpoint') ?? '', str(body, 'variant')!, actorOf(body), str(body, 'reason', true) ?? null);
  }));
  app.post('/deployments/:endpoint/rollback', change('admin-rollback', async (c, control) => {
    const body = await readJson(c, ctx.maxBodyBytes).catch(() => ({}));
    return control.rollback(c.req.param('endpoint') ?? '', actorOf(body), str(body, 'reason', true) ?? null);
  }));
  return app;
}
