import { Hono } from 'hono';
import type { ServerContext } from '../server-context.js';

/** Prometheus text exposition of the serving plane's metrics (open, like the health routes). */
export function metricsRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  app.get('/metrics', async (c) => {
    c.header('Content-Type', ctx.plane.metrics.contentType);
    return c.body(await ctx.metricsText());
  });
  return app;
}
