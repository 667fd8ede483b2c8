import type { Context } from 'hono';
import type { ServingPlane } from '../serving/serving-plane.js';
import { toHttpError } from './http-errors.js';

/** Answers an error as its HTTP status and {"error"} body, counted by route (and endpoint). */
export function fail(c: Context, plane: ServingPlane, e: unknown, route: string, endpoint = ''): Response {
  const h = toHttpError(e);
  plane.metrics.error(route, h.status, endpoint);
  if (h.status === 500) console.error(e);
  return c.json(h.body, h.status);
}
