import { Hono, type Context } from 'hono';
import type { IncomingMessage } from 'node:http';
import { InputError, LadingError } from '../core/errors.js';
import { codeVersion } from '../core/version.js';
import { decodeClassifyRequest, encodeClassifyResponse } from '../serving/classify-codec.js';
import type { DeploymentControl } from '../lifecycle/deployment-control.js';
import type { DeploymentSpec } from '../serving/deployment.js';
import { decodeInferRequest, encodeInferResponse, modelMetadata } from '../serving/oip-codec.js';
import { DEFAULT_REQUEST_LIMITS, type RequestLimits } from '../serving/request-limits.js';
import type { ServingPlane } from '../serving/serving-plane.js';
import { toHttpError } from './http-errors.js';
import { BodyTooLargeError, readIncomingBody } from './read-body.js';

export interface AppDeps {
  readonly plane: ServingPlane;
  readonly limits?: RequestLimits;
  /** Largest request body in bytes (default 1 MiB). */
  readonly maxBodyBytes?: number;
  /** Bearer token for admin routes; when unset, admin routes are off (404). */
  readonly token?: string | undefined;
  /** Also demand the token on prediction and metadata routes. */
  readonly protectPredictions?: boolean;
  /** Deployment changes (admin routes); absent = read-only server. */
  readonly control?: DeploymentControl | undefined;
  /** Called after an admin change so the server applies it at once instead of at the next poll. */
  readonly afterChange?: () => Promise<unknown>;
  /** True while shutting down: new requests get 503, readiness goes false. */
  readonly isDraining?: () => boolean;
}

const DEFAULT_MAX_BODY = 1 << 20;

/**
 * The HTTP transport: routes decode, call the serving plane, encode. Nothing here knows how a
 * prediction is made; every error becomes a status in toHttpError.
 */
export function createApp(deps: AppDeps): Hono {
  const { plane } = deps;
  const limits = deps.limits ?? DEFAULT_REQUEST_LIMITS;
  const maxBody = deps.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const draining = deps.isDraining ?? (() => false);
  const app = new Hono();

  const fail = (c: Context, e: unknown, route: string, endpoint = '') => {
    const h = toHttpError(e);
    plane.metrics.error(route, h.status, endpoint);
    if (h.status === 500) console.error(e);
    return c.json(h.body, h.status);
  };
  const authorised = (c: Context): boolean => {
    if (deps.token === undefined) return true;
    const h = c.req.header('authorization');
    return h === `Bearer ${deps.token}`;
  };
  const unauthorised = (c: Context) => {
    plane.metrics.error('auth', 401);
    c.header('WWW-Authenticate', 'Bearer');
    return c.json({ error: 'missing or wrong bearer token' }, 401);
  };
  /** Reads and parses a JSON body strictly; any failure is an InputError naming the problem. */
  const readJson = async (c: Context): Promise<unknown> => {
    const type = c.req.header('content-type');
    if (type !== undefined && !/^application\/json\b/i.test(type)) {
      throw new InputError('bad-content-type', `Content-Type must be application/json, got "${type.slice(0, 100)}"`, { field: 'content-type' });
    }
    // Under @hono/node-server the raw request is at hand: read it directly (see read-body.ts).
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    let text: string;
    if (incoming) {
      text = await readIncomingBody(incoming, maxBody);
    } else {
      if (Number(c.req.header('content-length')) > maxBody) throw new BodyTooLargeError(maxBody);
      text = await c.req.text();
      if (Buffer.byteLength(text) > maxBody) throw new BodyTooLargeError(maxBody);
    }
    if (text.length === 0) throw new InputError('empty-body', 'the request body is empty; send a JSON object', { field: '$' });
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw new InputError('bad-json', `the body is not valid JSON: ${(e as Error).message.slice(0, 200)}`, { field: '$' });
    }
  };

  app.use('*', async (c, next) => {
    if (draining() && c.req.path !== '/v2/health/live') {
      c.header('Connection', 'close');
      return c.json({ error: 'the server is shutting down' }, 503);
    }
    const path = c.req.path;
    const open = path === '/v2/health/live' || path === '/v2/health/ready' || path === '/metrics';
    if (!open && deps.protectPredictions && !path.startsWith('/admin/') && !authorised(c)) return unauthorised(c);
    await next();
  });

  // Health: the status code is the truth.
  app.get('/v2/health/live', (c) => c.json({ live: true }));
  app.get('/v2/health/ready', (c) => (plane.ready && !draining() ? c.json({ live: true, ready: true }) : c.json({ live: true, ready: false }, 400)));
  app.get('/v2', (c) => c.json({ name: 'lading', version: codeVersion(), extensions: ['classification'] }));

  const modelMeta = async (c: Context, name: string, version: string | undefined) => {
    try {
      const { endpoint, variant } = await plane.route(version === undefined ? name : `${name}@${version}`);
      const models = endpoint.models();
      const chosen = variant !== undefined ? models.find((m, i) => endpoint.status()?.variants[i]?.name === variant) : endpoint.primaryModel();
      if (!chosen) throw new LadingError('endpoint-closed', `endpoint ${name} has no model loaded`, { endpoint: name });
      return c.json(modelMetadata(name, chosen, [...new Set(models.map((m) => m.version))]));
    } catch (e) {
      return fail(c, e, 'v2-metadata', name);
    }
  };
  const modelReady = async (c: Context, name: string, version: string | undefined) => {
    try {
      const { endpoint } = await plane.route(version === undefined ? name : `${name}@${version}`);
      const ready = endpoint.ready && !draining();
      return c.json({ name, ready }, ready ? 200 : 400);
    } catch (e) {
      return fail(c, e, 'v2-ready', name);
    }
  };
  const infer = async (c: Context, name: string, version: string | undefined) => {
    try {
      const req = decodeInferRequest(await readJson(c), limits);
      const answer = await plane.classify(version === undefined ? name : `${name}@${version}`, req.texts, { key: req.key });
      return c.json(encodeInferResponse(req, answer, name));
    } catch (e) {
      return fail(c, e, 'v2-infer', name);
    }
  };
  app.get('/v2/models/:name', (c) => modelMeta(c, c.req.param('name'), undefined));
  app.get('/v2/models/:name/versions/:version', (c) => modelMeta(c, c.req.param('name'), c.req.param('version')));
  app.get('/v2/models/:name/ready', (c) => modelReady(c, c.req.param('name'), undefined));
  app.get('/v2/models/:name/versions/:version/ready', (c) => modelReady(c, c.req.param('name'), c.req.param('version')));
  app.post('/v2/models/:name/infer', (c) => infer(c, c.req.param('name'), undefined));
  app.post('/v2/models/:name/versions/:version/infer', (c) => infer(c, c.req.param('name'), c.req.param('version')));

  app.post('/v1/models/:call', async (c) => {
    const call = c.req.param('call');
    if (!call.endsWith(':classify') || call.length === ':classify'.length) {
      plane.metrics.error('v1-classify', 404);
      return c.json({ error: `unknown route; use POST /v1/models/{name}:classify` }, 404);
    }
    const name = call.slice(0, -':classify'.length);
    try {
      const req = decodeClassifyRequest(await readJson(c), limits);
      const answer = await plane.classify(name, req.texts, { key: req.key, explainLimit: req.explain ? limits.explainFeatures : 0 });
      return c.json(encodeClassifyResponse(answer, req.top));
    } catch (e) {
      return fail(c, e, 'v1-classify', name);
    }
  });
  app.get('/v1/models', (c) => c.json({ endpoints: plane.list().map((e) => e.status()).filter((s) => s !== undefined) }));

  app.get('/metrics', async (c) => {
    c.header('Content-Type', plane.metrics.contentType);
    return c.body(await plane.metrics.text());
  });

  // Admin: deployment changes, behind the bearer token. Off without a token or a store.
  app.use('/admin/*', async (c, next) => {
    if (deps.token === undefined || deps.control === undefined) return c.json({ error: 'admin routes are off: start the server with a token and a deployment store' }, 404);
    if (!authorised(c)) return unauthorised(c);
    await next();
  });
  const admin = (route: string, run: (c: Context, control: DeploymentControl) => Promise<unknown>) => async (c: Context) => {
    try {
      const result = await run(c, deps.control!);
      await deps.afterChange?.();
      return c.json(result as object);
    } catch (e) {
      return fail(c, e, route);
    }
  };
  const str = (body: unknown, field: string, optional = false): string | undefined => {
    const v = (body as Record<string, unknown> | null)?.[field];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'string' || v.length === 0 || v.length > 1024) throw new InputError('bad-request', `"${field}" must be a non-empty string`, { field });
    return v;
  };
  const actorOf = (body: unknown) => str(body, 'actor', true) ?? 'http-admin';
  app.get('/admin/deployments', async (c) => c.json({ deployments: await deps.control!.store.currentAll() }));
  app.get('/admin/deployments/:endpoint/history', async (c) => c.json({ history: await deps.control!.store.history(c.req.param('endpoint')) }));
  app.get('/admin/shadow', (c) => c.json({ records: plane.shadows.recent() }));
  app.post('/admin/deployments', admin('admin-deploy', async (c, control) => {
    const body = await readJson(c);
    const spec = (body as { spec?: unknown } | null)?.spec;
    if (typeof spec !== 'object' || spec === null) throw new InputError('bad-request', '"spec" must be a deployment object {endpoint, mode, variants}', { field: 'spec' });
    return control.deploy(spec as DeploymentSpec, actorOf(body), str(body, 'reason', true) ?? null);
  }));
  app.post('/admin/deployments/:endpoint/promote', admin('admin-promote', async (c, control) => {
    const body = await readJson(c);
    return control.promote(c.req.param('endpoint') ?? '', str(body, 'variant')!, actorOf(body), str(body, 'reason', true) ?? null);
  }));
  app.post('/admin/deployments/:endpoint/rollback', admin('admin-rollback', async (c, control) => {
    const body = await readJson(c).catch(() => ({}));
    return control.rollback(c.req.param('endpoint') ?? '', actorOf(body), str(body, 'reason', true) ?? null);
  }));

  app.notFound((c) => { plane.metrics.error('none', 404); return c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404); });
  app.onError((e, c) => fail(c, e, 'unhandled'));
  return app;
}
