import type { Context } from 'hono';
import type { IncomingMessage } from 'node:http';
import { InputError } from '../core/errors.js';
import { BodyTooLargeError, readIncomingBody } from './read-body.js';

/** Reads and parses a JSON body strictly; any failure is an InputError naming the problem. */
export async function readJson(c: Context, maxBody: number): Promise<unknown> {
  const type = c.req.header('content-type');
  if (type !== undefined && !/^application\/json\b/i.test(type)) {
    throw new InputError('bad-content-type', `Content-Type must be application/json, got "${type.slice(0, 100)}"`, { field: 'content-type' });
  }
  // Under @hono/node-server the raw request is at hand: read it directly (see read-body.ts).
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  let text: string;
  if (incoming) {
    text = await readIncomingBody(incoming, maxBody);
  } else {
    if (Number(c.req.header('content-length')) > maxBody) throw new BodyTooLargeError(maxBody);
    text = await c.req.text();
    if (Buffer.byteLength(text) > maxBody) throw new BodyTooLargeError(maxBody);
  }
  if (text.length === 0) throw new InputError('empty-body', 'the request body is empty; send a JSON object', { field: '$' });
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InputError('bad-json', `the body is not valid JSON: ${(e as Error).message.slice(0, 200)}`, { field: '$' });
  }
}
