import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { createApp, type AppDeps } from './app.js';
import { fastPredictHandler } from './fast-predict.js';
import { serverContext } from './server-context.js';

export interface StartServerOptions extends Omit<AppDeps, 'isDraining'> {
  readonly host: string;
  /** 0 = any free port. */
  readonly port: number;
  /** Longest wait for requests in flight at shutdown before connections are cut (default 10 s). */
  readonly drainTimeoutMs?: number;
  /**
   * Prediction requests take the node:http fast path (fast-predict.ts) ahead of Hono (default
   * true). False sends everything through Hono: the tests compare the two through real HTTP.
   */
  readonly fastPath?: boolean;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  /**
   * Graceful shutdown: readiness goes false and new requests get 503 at once, the listener stops
   * accepting, requests in flight are answered, then the models are unloaded.
   */
  close(): Promise<void>;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  let draining = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const deps = { ...options, isDraining: () => draining };
  const app = createApp(deps);
  const enter = () => { inFlight++; };
  const done = () => {
    inFlight--;
    if (inFlight === 0) idle?.();
  };
  // Counts requests in flight for the drain at shutdown; one .then per request, no async frame.
  const fetch = (req: Request, env: unknown): Response | Promise<Response> => {
    inFlight++;
    let r: Response | Promise<Response>;
    try {
      r = app.fetch(req, env);
    } catch (e) {
      done();
      throw e;
    }
    if (!(r instanceof Promise)) {
      done();
      return r;
    }
    return r.then((res) => { done(); return res; }, (e: unknown) => { done(); throw e; });
  };
  const hono = getRequestListener(fetch, { hostname: options.host });
  const fast = options.fastPath === false ? undefined : fastPredictHandler(serverContext(deps), { enter, leave: done });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = createServer((req, res) => { if (fast === undefined || !fast(req, res)) void hono(req, res); });
    s.once('error', reject);
    s.listen(options.port, options.host, () => resolve(s));
  });
  server.keepAliveTimeout = 65_000;
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    port,
    close() {
      closing ??= (async () => {
        draining = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        if (inFlight > 0) {
          await Promise.race([
            new Promise<void>((resolve) => { idle = resolve; }),
            new Promise<void>((resolve) => setTimeout(resolve, options.drainTimeoutMs ?? 10_000).unref()),
          ]);
        }
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 1000).unref();
        await stopped;
        await options.plane.close();
      })();
      return closing;
    },
  };
}
