import { isLadingError } from '../core/errors.js';

/** The one place errors become HTTP statuses. Bodies follow the OIP error shape: {"error": "..."}. */
export interface HttpError {
  readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 500 | 503;
  readonly body: { error: string; code?: string; field?: string };
}

export function toHttpError(e: unknown): HttpError {
  if (isLadingError(e)) {
    const field = typeof e.facts['field'] === 'string' ? e.facts['field'] : undefined;
    const body = { error: e.message, code: e.code, ...(field !== undefined ? { field } : {}) };
    switch (e.name) {
      case 'InputError': return { status: e.code === 'body-too-large' ? 413 : e.code === 'bad-content-type' ? 415 : 400, body };
      case 'NotFoundError': return { status: 404, body };
      case 'ForbiddenError': return { status: 403, body };
      case 'ConflictError': return { status: 409, body };
      default:
        if (e.code === 'runtime-closed' || e.code === 'endpoint-closed') return { status: 503, body };
        if (e.code === 'unauthorised') return { status: 401, body };
        return { status: 500, body };
    }
  }
  return { status: 500, body: { error: 'internal error; see the server log', code: 'internal' } };
}
