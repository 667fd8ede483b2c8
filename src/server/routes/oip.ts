import { Hono, type Context } from 'hono';
import { LadingError } from '../../core/errors.js';
import { codeVersion } from '../../core/version.js';
import { decodeInferRequest, encodeInferResponse, modelMetadata } from '../../serving/oip-codec.js';
import { fail } from '../fail.js';
import { readJson } from '../read-json.js';
import { answerWithId, failWithId, isHeaderSafeId, takeRequestId } from '../request-id.js';
import type { ServerContext } from '../server-context.js';

/**
 * Open Inference Protocol V2: health (the status code is the truth), server and model metadata,
 * readiness, infer. The request id is the body's `id` when sent (echoed, as the spec says), else
 * the X-Request-Id header's, else a new one; it is returned in X-Request-Id (a body id that no
 * header can carry, e.g. with a line break, leaves the header to the header's or a new id).
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
      return c.json(modelMetadata(name, chosen, [...new Set(models.map((m) => m.version))]));
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
  const infer = async (c: Context, name: string, version: string | undefined) => {
    let requestId: string | undefined;
    try {
      requestId = takeRequestId(c);
      const req = decodeInferRequest(await readJson(c, ctx.maxBodyBytes), limits, `model "${name}"`);
      const headerId = requestId;
      if (req.id !== undefined) requestId = req.id;
      const answer = await plane.classify(ref(name, version), req.texts, { key: req.key, requestIds: [requestId] });
      // An OIP id may hold anything JSON can; the header gets it only when a header can carry it.
      return answerWithId(encodeInferResponse(req, answer, name), isHeaderSafeId(requestId) ? requestId : headerId);
    } catch (e) {
      failWithId(c, requestId);
      return fail(c, plane, e, 'v2-infer', name);
    }
  };
  app.get('/v2/models/:name', (c) => modelMeta(c, c.req.param('name'), undefined));
  app.get('/v2/models/:name/versions/:version', (c) => modelMeta(c, c.req.param('name'), c.req.param('version')));
  app.get('/v2/models/:name/ready', (c) => modelReady(c, c.req.param('name'), undefined));
  app.get('/v2/models/:name/versions/:version/ready', (c) => modelReady(c, c.req.param('name'), c.req.param('version')));
  app.post('/v2/models/:name/infer', (c) => infer(c, c.req.param('name'), undefined));
  app.post('/v2/models/:name/versions/:version/infer', (c) => infer(c, c.req.param('name'), c.req.param('version')));
  return app;
}
