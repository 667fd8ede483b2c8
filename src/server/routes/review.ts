import { Hono, type Context } from 'hono';
import { InputError, NotFoundError } from '../../core/errors.js';
import { answerReview, type ReviewAnswerInput } from '../../review/answer-review.js';
import type { ReviewQuery } from '../../review/review-queue.js';
import { callerWith } from '../access-guard.js';
import { unauthorised } from '../bearer-auth.js';
import { fail } from '../fail.js';
import { readJson } from '../read-json.js';
import type { ReviewTarget, ServerContext } from '../server-context.js';

function itemId(c: Context): number {
  const raw = c.req.param('id') ?? '';
  const id = Number(raw);
  if (!/^\d{1,15}$/.test(raw) || !Number.isSafeInteger(id) || id < 1) {
    throw new InputError('bad-review-id', `review item id must be a whole number >= 1, got "${raw.slice(0, 40)}"`, { field: 'id' });
  }
  return id;
}

function pageQuery(c: Context): ReviewQuery {
  const endpoint = c.req.query('endpoint');
  if (endpoint === undefined || endpoint === '') {
    throw new InputError('missing-endpoint', 'name the endpoint whose queue to list: GET /v1/review?endpoint=E', { field: 'endpoint' });
  }
  const limit = c.req.query('limit');
  if (limit !== undefined && !/^\d+$/.test(limit)) throw new InputError('bad-limit', `limit must be a whole number, got "${limit.slice(0, 40)}"`, { field: 'limit' });
  return { endpoint, limit: limit === undefined ? undefined : Number(limit), cursor: c.req.query('cursor'), state: c.req.query('state') as ReviewQuery['state'] };
}

/**
 * The review queue: GET /v1/review?endpoint=E[&state=open|answered|all][&limit=N][&cursor=C]
 * (most valuable first), GET /v1/review/{id} (an item and its occurrences), POST /v1/review/{id}
 * {"label": "..."} | {"accept": k}, "actor"?, "note"? (answers the item and every occurrence of its
 * text, written as feedback). Answering needs the bearer token whenever the server has one.
 */
export function reviewRoutes(ctx: ServerContext, review: ReviewTarget): Hono {
  const { plane } = ctx;
  const app = new Hono();
  app.get('/v1/review', async (c) => {
    try {
      return c.json(await review.queue.list(pageQuery(c)));
    } catch (e) {
      return fail(c, plane, e, 'review');
    }
  });
  app.get('/v1/review/:id', async (c) => {
    try {
      const id = itemId(c);
      const item = await review.queue.get(id);
      if (item === undefined) throw new NotFoundError('unknown-review-item', `no review item ${id}`, { item: id });
      return c.json({ item, occurrences: await review.queue.occurrences(id) });
    } catch (e) {
      return fail(c, plane, e, 'review');
    }
  });
  app.post('/v1/review/:id', async (c) => {
    try {
      // An answer becomes training data: with named tokens it needs the review role, and it is theirs.
      const caller = callerWith(c, ctx, 'review');
      if (!caller) return unauthorised(c, plane);
      const id = itemId(c);
      const body = await readJson(c, ctx.maxBodyBytes) as ReviewAnswerInput | null;
      const input = typeof body === 'object' && body !== null && !Array.isArray(body) ? { ...body, actor: caller.named ? caller.principal.name : body.actor ?? 'api' } : body;
      const answered = await answerReview(review.queue, review.feedback, id, input as ReviewAnswerInput);
      const { ids: _ids, ...feedback } = answered.feedback;
      return c.json({ item: answered.item, feedback });
    } catch (e) {
      return fail(c, plane, e, 'review');
    }
  });
  return app;
}
