import { Hono, type Context } from 'hono';
import { classifyCall, type PredictionRequest } from '../prediction-calls.js';
import { readBodyText } from '../read-json.js';
import { REQUEST_ID_HEADER, answerPrediction } from '../request-id.js';
import type { ServerContext } from '../server-context.js';

const SUFFIX = ':classify';

/** What the prediction calls read of a Hono request. */
export function honoPredictionRequest(c: Context): PredictionRequest {
  return { sentRequestId: c.req.header(REQUEST_ID_HEADER), contentType: c.req.header('content-type'), readBody: (limit) => readBodyText(c, limit) };
}

/**
 * lading's own REST API: classify (labels, top-k, explanations, `requestId`) and the endpoint list.
 * Under `lading serve` classify calls normally take the node:http fast path (fast-predict.ts);
 * both run prediction-calls.ts.
 */
export function v1Routes(ctx: ServerContext): Hono {
  const { plane } = ctx;
  const app = new Hono();
  app.post('/v1/models/:call', async (c) => {
    const call = c.req.param('call');
    if (!call.endsWith(SUFFIX) || call.length === SUFFIX.length) {
      plane.metrics.error('v1-classify', 404);
      return c.json({ error: `unknown route; use POST /v1/models/{name}${SUFFIX}` }, 404);
    }
    return answerPrediction(await classifyCall(ctx, call.slice(0, -SUFFIX.length), honoPredictionRequest(c)));
  });
  app.get('/v1/models', (c) => c.json({ endpoints: plane.list().map((e) => e.status()).filter((s) => s !== undefined) }));
  return app;
}
