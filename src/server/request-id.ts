import type { Context } from 'hono';
import { randomBytes } from 'node:crypto';
import { InputError } from '../core/errors.js';

// One random prefix per process and a counter: unique enough to join logs across restarts and
// servers, and costs a string concatenation per request instead of a crypto call.
const PREFIX = randomBytes(6).toString('base64url');
let counter = 0;

export function nextRequestId(): string {
  return `${PREFIX}-${(++counter).toString(36)}`;
}

const VALID = /^[\x21-\x7e]{1,128}$/;
export const REQUEST_ID_HEADER = 'X-Request-Id';

/**
 * The id of a prediction request: the client's `X-Request-Id` when it sent one, else a new one.
 * Either way it goes back in the response's `X-Request-Id` header (errors included). A header
 * that is not 1-128 visible ASCII characters is refused (the response then carries a new id).
 */
export function takeRequestId(c: Context): string {
  const sent = c.req.header(REQUEST_ID_HEADER);
  if (sent === undefined || sent === '') {
    const id = nextRequestId();
    c.header(REQUEST_ID_HEADER, id);
    return id;
  }
  if (!VALID.test(sent)) {
    c.header(REQUEST_ID_HEADER, nextRequestId());
    throw new InputError('bad-request-id', `the ${REQUEST_ID_HEADER} header must be 1-128 visible ASCII characters (no spaces), got ${sent.length} characters`, { field: REQUEST_ID_HEADER });
  }
  c.header(REQUEST_ID_HEADER, sent);
  return sent;
}
