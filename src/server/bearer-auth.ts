import type { Context } from 'hono';
import type { ServingPlane } from '../serving/serving-plane.js';

/** True when no token is set, or the request carries `Authorization: Bearer <token>`. */
export function authorised(c: Context, token: string | undefined): boolean {
  return token === undefined || c.req.header('authorization') === `Bearer ${token}`;
}

export function unauthorised(c: Context, plane: ServingPlane): Response {
  plane.metrics.error('auth', 401);
  c.header('WWW-Authenticate', 'Bearer');
  return c.json({ error: 'missing or wrong bearer token' }, 401);
}
