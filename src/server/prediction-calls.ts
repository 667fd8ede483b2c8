import { decodeClassifyRequest, encodeClassifyResponseJson } from '../serving/classify-codec.js';
import { decodeInferRequest, encodeInferResponse, inferNeedsRows, inferTopK } from '../serving/oip-codec.js';
import { toHttpError } from './http-errors.js';
import { checkJsonContentType, parseJsonBody } from './read-json.js';
import { errorRequestId, isHeaderSafeId, requestIdOf } from './request-id.js';
import type { ServerContext } from './server-context.js';

/**
 * The two prediction routes (`POST /v1/models/{name}:classify`, OIP `POST /v2/models/{name}[/versions/{v}]/infer`)
 * free of any transport: what they read of a request, and the answer as status, JSON text and request
 * id. The Hono routes (routes/v1.ts, routes/oip.ts) and the node:http fast path (fast-predict.ts)
 * both call these, so the two give the same answers, errors included, by construction.
 */
export interface PredictionRequest {
  /** The X-Request-Id header as sent; undefined when absent. */
  readonly sentRequestId: string | undefined;
  readonly contentType: string | undefined;
  /** The body as UTF-8 text; rejects with BodyTooLargeError past `limit` bytes. */
  readBody(limit: number): Promise<string>;
}

export interface PredictionAnswer {
  readonly status: number;
  /** JSON text. */
  readonly body: string;
  /** Goes in the X-Request-Id header. */
  readonly requestId: string;
}

/** Every answer of these routes is JSON with its request id. */
export const JSON_TYPE = 'application/json';

async function readRequestJson(r: PredictionRequest, maxBody: number): Promise<unknown> {
  checkJsonContentType(r.contentType);
  return parseJsonBody(await r.readBody(maxBody));
}

/** An error as its status and {"error"} body, counted by route and endpoint (as fail.ts does for the other routes). */
function failed(ctx: ServerContext, e: unknown, route: string, endpoint: string, requestId: string | undefined): PredictionAnswer {
  const h = toHttpError(e);
  ctx.plane.metrics.error(route, h.status, endpoint);
  if (h.status === 500) console.error(e);
  return { status: h.status, body: JSON.stringify(h.body), requestId: errorRequestId(requestId) };
}

/** lading's own REST classify call for endpoint (or ref) `name`. */
export async function classifyCall(ctx: ServerContext, name: string, r: PredictionRequest): Promise<PredictionAnswer> {
  let requestId: string | undefined;
  try {
    requestId = requestIdOf(r.sentRequestId);
    const req = decodeClassifyRequest(await readRequestJson(r, ctx.maxBodyBytes), ctx.limits);
    const answer = await ctx.plane.classify(name, req.texts, {
      key: req.key, explainLimit: req.explain ? ctx.limits.explainFeatures : 0, requestIds: [requestId], rows: false, top: req.top, entities: req.entities,
    });
    return { status: 200, body: encodeClassifyResponseJson(answer, req.top, requestId), requestId };
  } catch (e) {
    return failed(ctx, e, 'v1-classify', name, requestId);
  }
}

/**
 * OIP infer. The request id is the body's `id` when sent (echoed, as the spec says), else the
 * X-Request-Id header's, else a new one; it is returned in X-Request-Id (a body id that no header
 * can carry, e.g. with a line break, leaves the header to the header's or a new id).
 */
export async function inferCall(ctx: ServerContext, name: string, version: string | undefined, r: PredictionRequest): Promise<PredictionAnswer> {
  let requestId: string | undefined;
  try {
    requestId = requestIdOf(r.sentRequestId);
    const req = decodeInferRequest(await readRequestJson(r, ctx.maxBodyBytes), ctx.limits, `model "${name}"`);
    const headerId = requestId;
    if (req.id !== undefined) requestId = req.id;
    const answer = await ctx.plane.classify(version === undefined ? name : `${name}@${version}`, req.texts, {
      key: req.key, requestIds: [requestId], rows: inferNeedsRows(req), top: inferTopK(req), entities: req.entities,
    });
    // An OIP id may hold anything JSON can; the header gets it only when a header can carry it.
    return { status: 200, body: JSON.stringify(encodeInferResponse(req, answer, name)), requestId: isHeaderSafeId(requestId) ? requestId : headerId };
  } catch (e) {
    return failed(ctx, e, 'v2-infer', name, requestId);
  }
}
