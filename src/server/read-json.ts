import type { Context } from 'hono';
import type { IncomingMessage } from 'node:http';
import { InputError } from '../core/errors.js';
import { BodyTooLargeError, readIncomingBody } from './read-body.js';

/** Refuses a Content-Type other than application/json (an absent one is taken as JSON). */
export function checkJsonContentType(type: string | undefined): void {
  if (type !== undefined && !/^application\/json\b/i.test(type)) {
    throw new InputError('bad-content-type', `Content-Type must be application/json, got "${type.slice(0, 100)}"`, { field: 'content-type' });
  }
}

/** Parses a request body strictly; any failure is an InputError naming the problem. */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw new InputError('empty-body', 'the request body is empty; send a JSON object', { field: '$' });
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InputError('bad-json', `the body is not valid JSON: ${(e as Error).message.slice(0, 200)}`, { field: '$' });
  }
}

/** The body of a Hono request as text, at most maxBody bytes. */
export async function readBodyText(c: Context, maxBody: number): Promise<string> {
  // Under @hono/node-server the raw request is at hand: read it directly (see read-body.ts).
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming) return readIncomingBody(incoming, maxBody);
  if (Number(c.req.header('content-length')) > maxBody) throw new BodyTooLargeError(maxBody);
  const text = await c.req.text();
  if (Buffer.byteLength(text) > maxBody) throw new BodyTooLargeError(maxBody);
  return text;
}

/** Reads and parses a JSON body strictly; any failure is an InputError naming the problem. */
export async function readJson(c: Context, maxBody: number): Promise<unknown> {
  checkJsonContentType(c.req.header('content-type'));
  return parseJsonBody(await readBodyText(c, maxBody));
}
