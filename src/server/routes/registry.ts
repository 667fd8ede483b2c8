import { Hono } from 'hono';
import { fail } from '../fail.js';
import type { RegistryReader, ServerContext } from '../server-context.js';

/**
 * Read-only registry routes for the dashboard: the models with their aliases, and one model's
 * versions (deleted ones marked) with its aliases. Mounted only when the server has a registry.
 */
export function registryRoutes(ctx: ServerContext, registry: RegistryReader): Hono {
  const app = new Hono();
  app.get('/models', async (c) => {
    try {
      return c.json({ models: await registry.listModels() });
    } catch (e) {
      return fail(c, ctx.plane, e, 'registry-models');
    }
  });
  app.get('/models/:name/versions', async (c) => {
    const name = c.req.param('name');
    try {
      const [versions, aliases] = await Promise.all([registry.listModelVersions(name), registry.listAliases(name)]);
      return c.json({ name, versions, aliases });
    } catch (e) {
      return fail(c, ctx.plane, e, 'registry-versions');
    }
  });
  return app;
}
