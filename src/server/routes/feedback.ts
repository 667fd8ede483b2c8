import { Hono } from 'hono';
import { InputError } from '../../core/errors.js';
import { acceptFeedback, type FeedbackItemInput, type FeedbackTarget } from '../../monitoring/feedback/accept-feedback.js';
import { fail } from '../fail.js';
import { readJson } from '../read-json.js';
import type { ServerContext } from '../server-context.js';

const MAX_ITEMS = 10_000;

/**
 * POST /v1/feedback: delayed labels (a broker's correction, a customs ruling). Body
 * {"endpoint"?, "items": [{"requestId" | "text", "position"?, "label", "time"?, "source"?}]}; the
 * endpoint may be left out when every item has a request id. 201 only once the store committed
 * every item; any bad item is a 400 naming it (`items[3].label`) and nothing is stored.
 */
export function feedbackRoutes(ctx: ServerContext, target: FeedbackTarget): Hono {
  const { plane } = ctx;
  const app = new Hono();
  app.post('/v1/feedback', async (c) => {
    try {
      const body = await readJson(c, ctx.maxBodyBytes);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new InputError('bad-request', 'the body must be an object {"endpoint"?, "items": [...]}', { field: '$' });
      }
      const { endpoint, items } = body as { endpoint?: unknown; items?: unknown };
      if (endpoint !== undefined && (typeof endpoint !== 'string' || endpoint === '')) {
        throw new InputError('bad-request', '"endpoint" must be a non-empty string', { field: 'endpoint' });
      }
      if (!Array.isArray(items)) throw new InputError('bad-request', '"items" must be an array of feedback items', { field: 'items' });
      if (items.length > MAX_ITEMS) {
        throw new InputError('too-many-items', `at most ${MAX_ITEMS} items per request, got ${items.length}`, { field: 'items' }, 'Split the batch, or use `lading feedback import FILE`.');
      }
      const r = await acceptFeedback(items as FeedbackItemInput[], { ...target, endpoint, defaultSource: 'api' });
      return c.json(r, 201);
    } catch (e) {
      return fail(c, plane, e, 'feedback');
    }
  });
  return app;
}
