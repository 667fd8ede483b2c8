import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerMatches } from './bearer-auth.js';
import { classifyCall, inferCall, JSON_TYPE, type PredictionAnswer, type PredictionRequest } from './prediction-calls.js';
import { readIncomingBody } from './read-body.js';
import { nextRequestId, REQUEST_ID_HEADER } from './request-id.js';
import type { ServerContext } from './server-context.js';

/** Counts requests in flight for the drain at shutdown (start-server.ts). */
export interface InFlight {
  enter(): void;
  leave(): void;
}

const V1 = '/v1/models/';
const V2 = '/v2/models/';
const CLASSIFY = ':classify';
const INFER = '/infer';
const VERSIONS = '/versions/';

/** A prediction route the fast path takes: which call, and the names in its path. */
export type PredictionRoute =
  | { readonly kind: 'classify'; readonly name: string }
  | { readonly kind: 'infer'; readonly name: string; readonly version: string | undefined };

/**
 * The prediction route a POST to `url` is, when the fast path takes it: the shapes Hono's routes
 * '/v1/models/:call' (call ending in ':classify') and '/v2/models/:name[/versions/:version]/infer'
 * match, with the query string ignored as Hono does; undefined for anything else, and for paths
 * with a percent sign (Hono decodes those; they are left to it).
 */
export function predictionRoute(url: string | undefined): PredictionRoute | undefined {
  if (url === undefined || url.charCodeAt(0) !== 0x2f || (url.charCodeAt(2) !== 0x31 && url.charCodeAt(2) !== 0x32)) return undefined;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (path.includes('%')) return undefined;
  if (path.startsWith(V1)) {
    if (!path.endsWith(CLASSIFY) || path.length <= V1.length + CLASSIFY.length) return undefined;
    const name = path.slice(V1.length, -CLASSIFY.length);
    return name.includes('/') ? undefined : { kind: 'classify', name };
  }
  if (!path.startsWith(V2) || !path.endsWith(INFER) || path.length <= V2.length + INFER.length) return undefined;
  const rest = path.slice(V2.length, -INFER.length);
  const slash = rest.indexOf('/');
  if (slash < 0) return { kind: 'infer', name: rest, version: undefined };
  if (slash === 0 || !rest.startsWith(VERSIONS, slash)) return undefined;
  const version = rest.slice(slash + VERSIONS.length);
  return version.length === 0 || version.includes('/') ? undefined : { kind: 'infer', name: rest.slice(0, slash), version };
}

/**
 * The two prediction routes straight on node:http, ahead of Hono: POST /v1/models/{name}:classify
 * and POST /v2/models/{name}[/versions/{v}]/infer. A CPU profile under wrk (single-text requests,
 * HS4 fastText) showed Hono's per-request work (a WHATWG Request and Headers, routing, the
 * Response and its conversion back to node's response) as a large share of the HTTP thread, more
 * than the prediction. The answer itself comes from prediction-calls.ts, which the Hono routes call
 * too: same validation, same error bodies, same headers, same metrics.
 *
 * Returns false, having touched nothing, for every request it does not take, which Hono then
 * answers: other routes, other methods, percent-encoded names (Hono decodes them), and the rare
 * states the Hono middleware answers itself: draining (503) and a missing or wrong bearer token
 * when predictions are protected (401).
 */
export function fastPredictHandler(ctx: ServerContext, inFlight: InFlight): (req: IncomingMessage, res: ServerResponse) => boolean {
  const bearer = ctx.token === undefined ? undefined : `Bearer ${ctx.token}`;
  const write = (res: ServerResponse, a: PredictionAnswer) => {
    res.writeHead(a.status, { 'content-type': JSON_TYPE, [REQUEST_ID_HEADER]: a.requestId, 'Content-Length': Buffer.byteLength(a.body) });
    res.end(a.body);
  };
  const run = (res: ServerResponse, call: Promise<PredictionAnswer>) => {
    call.then((a) => { inFlight.leave(); write(res, a); }, (e: unknown) => {
      // The calls answer their own errors; this is a bug, answered as Hono's onError would.
      inFlight.leave();
      console.error(e);
      write(res, { status: 500, body: JSON.stringify({ error: 'internal error; see the server log', code: 'internal' }), requestId: nextRequestId() });
    });
  };
  return (req, res) => {
    if (req.method !== 'POST') return false;
    const route = predictionRoute(req.url);
    if (route === undefined) return false;
    if (ctx.isDraining()) return false;
    if (ctx.protectPredictions && bearer !== undefined && !bearerMatches(req.headers.authorization, bearer)) return false;
    const sent = req.headers['x-request-id'];
    const r: PredictionRequest = {
      sentRequestId: typeof sent === 'string' ? sent : sent?.join(', '),
      contentType: req.headers['content-type'],
      readBody: (limit) => readIncomingBody(req, limit),
    };
    inFlight.enter();
    run(res, route.kind === 'classify' ? classifyCall(ctx, route.name, r) : inferCall(ctx, route.name, route.version, r));
    return true;
  };
}
