import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import type { ServingPlane } from '../serving/serving-plane.js';

/**
 * Whether an Authorization header is exactly `expected`, compared in constant time (a plain `===`
 * stops at the first differing character, which lets a patient client learn the token's prefix
 * from response times). Only the length can differ quickly, which reveals nothing useful.
 */
export function bearerMatches(header: string | undefined, expected: string): boolean {
  if (header === undefined) return false;
  const got = Buffer.from(header);
  const want = Buffer.from(expected);
  return got.length === want.length && timingSafeEqual(got, want);
}

export function unauthorised(c: Context, plane: ServingPlane): Response {
  plane.metrics.error('auth', 401);
  c.header('WWW-Authenticate', 'Bearer');
  return c.json({ error: 'missing or wrong bearer token' }, 401);
}
