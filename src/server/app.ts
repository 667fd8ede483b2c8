import { Hono } from 'hono';
import { callerWith } from './access-guard.js';
import { unauthorised } from './bearer-auth.js';
import { fail } from './fail.js';
import { adminRoutes } from './routes/admin.js';
import { feedbackRoutes } from './routes/feedback.js';
import { metricsRoutes } from './routes/metrics.js';
import { oipRoutes } from './routes/oip.js';
import { registryRoutes } from './routes/registry.js';
import { reviewRoutes } from './routes/review.js';
import { uiApiRoutes } from './routes/ui-api.js';
import { uiStaticRoutes } from './routes/ui-static.js';
import { v1Routes } from './routes/v1.js';
import { serverContext, type AppDeps } from './server-context.js';

export type { AppDeps };

const OPEN_PATHS = new Set(['/v2/health/live', '/v2/health/ready', '/metrics']);
/** The dashboard's static files are public (its data is not, under --protect-predictions). */
const isUiFile = (path: string) => path === '/ui' || path.startsWith('/ui/');

/**
 * The HTTP transport: route modules (routes/*.ts) decode, call the serving plane, encode. Nothing
 * here knows how a prediction is made; every error becomes a status in http-errors.ts.
 *
 * Under startServer, the two prediction routes (REST classify, OIP infer) are answered ahead of this
 * app on node:http (fast-predict.ts) by the same transport-free calls (prediction-calls.ts) that
 * routes/v1.ts and routes/oip.ts run; everything else, and those routes while draining or without
 * the token, comes here.
 *
 * Where new routes go: one module per area under routes/, mounted below. The dashboard reads
 * routes/registry.ts (GET /v1/registry/models[/{name}/versions]); next to come are
 * routes/monitoring.ts (prediction log, drift, accuracy) and routes/feedback.ts (POST
 * /v1/feedback, keyed by the `requestId` a prediction answered with). Each takes what it reads
 * (the registry, the monitor) as an optional AppDeps field and is mounted only when given.
 */
export function createApp(deps: AppDeps): Hono {
  const ctx = serverContext(deps);
  const { plane } = ctx;
  const app = new Hono();

  // Draining answers 503 everywhere but liveness; --protect-predictions puts the token in front of
  // everything except health, metrics and admin (which has its own check).
  app.use('*', async (c, next) => {
    const path = c.req.path;
    if (ctx.isDraining() && path !== '/v2/health/live') {
      c.header('Connection', 'close');
      return c.json({ error: 'the server is shutting down' }, 503);
    }
    if (ctx.protectPredictions && !OPEN_PATHS.has(path) && !path.startsWith('/admin/') && !isUiFile(path)) {
      try {
        // Named tokens: the registry, dashboard and review reads need `read`, everything else `predict`.
        // Changes there (answers, approvals, rollbacks) are checked by their routes with their own role.
        const data = path.startsWith('/v1/ui/') || path.startsWith('/v1/registry') || path.startsWith('/v1/review');
        const role = !data ? 'predict' : c.req.method === 'GET' ? 'read' : undefined;
        if (role !== undefined && !callerWith(c, ctx, role)) return unauthorised(c, plane);
      } catch (e) {
        return fail(c, plane, e, 'auth');
      }
    }
    await next();
  });

  app.route('/', oipRoutes(ctx));
  app.route('/', v1Routes(ctx));
  app.route('/', metricsRoutes(ctx));
  app.route('/admin', adminRoutes(ctx));
  if (ctx.registry) app.route('/v1/registry', registryRoutes(ctx, ctx.registry));
  if (ctx.feedback) app.route('/', feedbackRoutes(ctx, ctx.feedback));
  if (ctx.review) app.route('/', reviewRoutes(ctx, ctx.review));
  if (ctx.ui) {
    app.route('/v1/ui', uiApiRoutes(ctx, ctx.ui));
    if (ctx.ui.webDir !== undefined) app.route('/', uiStaticRoutes(ctx.ui.webDir));
  }

  app.notFound((c) => { plane.metrics.error('none', 404); return c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404); });
  app.onError((e, c) => fail(c, plane, e, 'unhandled'));
  return app;
}
