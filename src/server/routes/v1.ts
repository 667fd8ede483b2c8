import { Hono } from 'hono';
import { decodeClassifyRequest, encodeClassifyResponseJson } from '../../serving/classify-codec.js';
import { fail } from '../fail.js';
import { readJson } from '../read-json.js';
import { answerJsonWithId, failWithId, takeRequestId } from '../request-id.js';
import type { ServerContext } from '../server-context.js';

const SUFFIX = ':classify';

/** lading's own REST API: classify (labels, top-k, explanations, `requestId`) and the endpoint list. */
export function v1Routes(ctx: ServerContext): Hono {
  const { plane, limits } = ctx;
  const app = new Hono();
  app.post('/v1/models/:call', async (c) => {
    const call = c.req.param('call');
    if (!call.endsWith(SUFFIX) || call.length === SUFFIX.length) {
      plane.metrics.error('v1-classify', 404);
      return c.json({ error: `unknown route; use POST /v1/models/{name}${SUFFIX}` }, 404);
    }
    const name = call.slice(0, -SUFFIX.length);
    let requestId: string | undefined;
    try {
      requestId = takeRequestId(c);
      const req = decodeClassifyRequest(await readJson(c, ctx.maxBodyBytes), limits);
      const answer = await plane.classify(name, req.texts, { key: req.key, explainLimit: req.explain ? limits.explainFeatures : 0, requestIds: [requestId] });
      return answerJsonWithId(encodeClassifyResponseJson(answer, req.top, requestId), requestId);
    } catch (e) {
      failWithId(c, requestId);
      return fail(c, plane, e, 'v1-classify', name);
    }
  });
  app.get('/v1/models', (c) => c.json({ endpoints: plane.list().map((e) => e.status()).filter((s) => s !== undefined) }));
  return app;
}
