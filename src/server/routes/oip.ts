import { Hono, type Context } from 'hono';
import { LadingError } from '../../core/errors.js';
import { codeVersion } from '../../core/version.js';
import { modelMetadata } from '../../serving/oip-codec.js';
import { fail } from '../fail.js';
import { inferCall } from '../prediction-calls.js';
import { answerPrediction } from '../request-id.js';
import { honoPredictionRequest } from './v1.js';
import type { ServerContext } from '../server-context.js';

/**
 * Open Inference Protocol V2: health (the status code is the truth), server and model metadata,
 * readiness, infer (prediction-calls.ts; under `lading serve` infer normally takes the node:http
 * fast path, fast-predict.ts, which runs the same function).
 */
export function oipRoutes(ctx: ServerContext): Hono {
  const { plane, limits, isDraining } = ctx;
  const app = new Hono();
  const ref = (name: string, version: string | undefined) => (version === undefined ? name : `${name}@${version}`);

  app.get('/v2/health/live', (c) => c.json({ live: true }));
  app.get('/v2/health/ready', (c) => (plane.ready && !isDraining() ? c.json({ live: true, ready: true }) : c.json({ live: true, ready: false }, 400)));
  app.get('/v2', (c) => c.json({ name: 'lading', version: codeVersion(), extensions: ['classification'] }));

  const modelMeta = async (c: Context, name: string, version: string | undefined) => {
    try {
      const { endpoint, variant } = await plane.route(ref(name, version));
      const models = endpoint.models();
      const chosen = variant !== undefined ? models.find((m, i) => endpoint.status()?.variants[i]?.name === variant) : endpoint.primaryModel();
      if (!chosen) throw new LadingError('endpoint-closed', `endpoint ${name} has no model loaded`, { endpoint: name });
      return c.json(modelMetadata(name, chosen, [...new Set(models.map((m) => m.version))], endpoint.targetPrecision !== undefined, endpoint.status()?.taxonomy));
    } catch (e) {
      return fail(c, plane, e, 'v2-metadata', name);
    }
  };
  const modelReady = async (c: Context, name: string, version: string | undefined) => {
    try {
      const { endpoint } = await plane.route(ref(name, version));
      const ready = endpoint.ready && !isDraining();
      return c.json({ name, ready }, ready ? 200 : 400);
    } catch (e) {
      return fail(c, plane, e, 'v2-ready', name);
    }
  };
  const infer = async (c: Context, name: string, version: string | undefined) => answerPrediction(await inferCall(ctx, name, version, honoPredictionRequest(c)));
  app.get('/v2/models/:name', (c) => modelMeta(c, c.req.param('name'), undefined));
  app.get('/v2/models/:name/versions/:version', (c) => modelMeta(c, c.req.param('name'), c.req.param('version')));
  app.get('/v2/models/:name/ready', (c) => modelReady(c, c.req.param('name'), undefined));
  app.get('/v2/models/:name/versions/:version/ready', (c) => modelReady(c, c.req.param('name'), c.req.param('version')));
  app.post('/v2/models/:name/infer', (c) => infer(c, c.req.param('name'), undefined));
  app.post('/v2/models/:name/versions/:version/infer', (c) => infer(c, c.req.param('name'), c.req.param('version')));
  return app;
}
