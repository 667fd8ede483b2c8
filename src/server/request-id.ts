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

export function isHeaderSafeId(id: string): boolean {
  return VALID.test(id);
}

/**
 * The id of a prediction request: the client's `X-Request-Id` when it sent one, else a new one.
 * A header that is not 1-128 visible ASCII characters is refused. Routes return the id in the
 * X-Request-Id header of every answer, errors included (see answerWithId, failWithId).
 */
export function takeRequestId(c: Context): string {
  return requestIdOf(c.req.header(REQUEST_ID_HEADER));
}

/** The same from the header's value as sent (undefined when absent), whichever transport read it. */
export function requestIdOf(sent: string | undefined): string {
  if (sent === undefined || sent === '') return nextRequestId();
  if (!isHeaderSafeId(sent)) {
    throw new InputError('bad-request-id', `the ${REQUEST_ID_HEADER} header must be 1-128 visible ASCII characters (no spaces), got ${sent.length} characters`, { field: REQUEST_ID_HEADER });
  }
  return sent;
}

/**
 * A 200 JSON answer carrying the request id. Built as a plain Response with a plain header object:
 * c.header() or a second header in c.json() makes Hono build a WHATWG Headers per request.
 */
export function answerWithId(body: unknown, requestId: string): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json', [REQUEST_ID_HEADER]: requestId } });
}

/** A prediction route's answer (prediction-calls.ts) as a Response. */
export function answerPrediction(a: { readonly status: number; readonly body: string; readonly requestId: string }): Response {
  return new Response(a.body, { status: a.status, headers: { 'content-type': 'application/json', [REQUEST_ID_HEADER]: a.requestId } });
}

/** The same for a body already encoded as JSON text. */
export function answerJsonWithId(json: string, requestId: string): Response {
  return new Response(json, { status: 200, headers: { 'content-type': 'application/json', [REQUEST_ID_HEADER]: requestId } });
}

/** Puts the id on an error answer (a new one when the request never got one, e.g. a bad header). */
export function failWithId(c: Context, requestId: string | undefined): void {
  c.header(REQUEST_ID_HEADER, errorRequestId(requestId));
}

/** The id an error answer carries: the request's when a header can carry it, else a new one. */
export function errorRequestId(requestId: string | undefined): string {
  return requestId !== undefined && isHeaderSafeId(requestId) ? requestId : nextRequestId();
}
