import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { classify, serveModel, type ServedModel } from '../monitoring/serving-fixture.js';
import { trainFixtureModels } from '../serving/fixtures.js';

const fx = await trainFixtureModels();
// Every text routed (no top score reaches 1); a long log flush, so an answer must find a
// just-answered request through the flush it asks for.
const s = await serveModel(fx.a, { token: 'sekret', reviewBelow: 1, logFlushMs: 60_000 });
after(() => s.close());

async function routedSoFar(server: ServedModel): Promise<void> {
  await server.plane.observersFlushed();
  await server.review!.observer!.flush();
}

async function call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: Record<string, any> }> {
  const r = await fetch(`${s.url}${path}`, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  return { status: r.status, body: (await r.json()) as Record<string, any> };
}

test('routed texts are grouped and listed most routed first; a retried request counts once', async () => {
  await classify(s.url, ['LED TV 32 INCH', 'steel bolts m8'], 'rq-1');
  await classify(s.url, ['led tv  32 inch'], 'rq-2');
  await classify(s.url, ['LED TV 32 INCH', 'steel bolts m8'], 'rq-1'); // a retry of rq-1
  await routedSoFar(s);
  const list = await call('GET', '/v1/review?endpoint=hs');
  assert.equal(list.status, 200, JSON.stringify(list.body));
  const [tv, bolts] = list.body['items'];
  assert.equal(tv.text, 'LED TV 32 INCH');
  assert.equal(tv.occurrences, 2);
  assert.equal(bolts.text, 'steel bolts m8');
  assert.equal(bolts.occurrences, 1);
  assert.equal(tv.suggestions.length, 5);
  assert.ok(tv.suggestions[0].score >= tv.suggestions[1].score);
  const one = await call('GET', `/v1/review/${tv.id}`);
  assert.deepEqual(one.body['occurrences'].map((o: any) => [o.requestId, o.position]), [['rq-1', 0], ['rq-2', 0]]);
  assert.equal(one.body['item'].model, tv.model);
});

test('an answer needs the token: none or a wrong one is a 401 and changes nothing; with it the whole group becomes feedback with the actor', async () => {
  const { body } = await call('GET', '/v1/review?endpoint=hs');
  const tv = body['items'].find((i: any) => i.text === 'LED TV 32 INCH');
  const before = (await s.log!.store.listFeedback({ endpoint: 'hs' })).length;
  for (const token of [undefined, 'wrong']) {
    const r = await call('POST', `/v1/review/${tv.id}`, { accept: 1, actor: 'ana' }, token);
    assert.equal(r.status, 401);
  }
  assert.equal((await call('GET', `/v1/review/${tv.id}`)).body['item'].state, 'open');
  assert.equal((await s.log!.store.listFeedback({ endpoint: 'hs' })).length, before);

  const r = await call('POST', `/v1/review/${tv.id}`, { accept: 1, actor: 'ana', note: 'per the invoice' }, 'sekret');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const label = tv.suggestions[1].label;
  assert.deepEqual(r.body['item'].answer.label, label);
  assert.equal(r.body['item'].answer.actor, 'ana');
  assert.equal(r.body['item'].answer.suggestion, 1);
  assert.equal(r.body['feedback'].joinedById, 2);
  const feedback = (await s.log!.store.listFeedback({ endpoint: 'hs' })).slice(before);
  assert.deepEqual(feedback.map((f) => [f.requestId, f.label, f.source]), [['rq-1', label, 'review:ana'], ['rq-2', label, 'review:ana']]);
  assert.equal(feedback[1]!.text, 'led tv  32 inch', 'each occurrence is joined to its own logged prediction');
  assert.deepEqual(r.body['item'].feedbackIds, feedback.map((f) => f.id));

  const again = await call('POST', `/v1/review/${tv.id}`, { label: 'x' }, 'sekret');
  assert.equal(again.status, 409);
  assert.match(again.body['error'], /already answered .* by ana/);
  const answered = await call('GET', '/v1/review?endpoint=hs&state=answered');
  assert.deepEqual(answered.body['items'].map((i: any) => i.text), ['LED TV 32 INCH']);
  assert.ok(!(await call('GET', '/v1/review?endpoint=hs')).body['items'].some((i: any) => i.text === 'LED TV 32 INCH'));
});

test('bad requests are 400 or 404 naming what is wrong, and answer nothing', async () => {
  const { body } = await call('GET', '/v1/review?endpoint=hs');
  const bolts = body['items'].find((i: any) => i.text === 'steel bolts m8');
  const cases: Array<[string, string, unknown, number, string]> = [
    ['GET', '/v1/review', undefined, 400, 'endpoint'],
    ['GET', '/v1/review?endpoint=hs&limit=abc', undefined, 400, 'limit'],
    ['GET', '/v1/review?endpoint=hs&cursor=zzz', undefined, 400, 'cursor'],
    ['GET', '/v1/review?endpoint=hs&state=closed', undefined, 400, 'state'],
    ['GET', '/v1/review/abc', undefined, 400, 'id'],
    ['GET', '/v1/review/999999', undefined, 404, ''],
    ['POST', '/v1/review/999999', { label: 'x' }, 404, ''],
    ['POST', `/v1/review/${bolts.id}`, { label: '  ' }, 400, 'label'],
    ['POST', `/v1/review/${bolts.id}`, { accept: 7 }, 400, 'accept'],
    ['POST', `/v1/review/${bolts.id}`, { label: 'a', accept: 0 }, 400, 'label'],
    ['POST', `/v1/review/${bolts.id}`, {}, 400, 'label'],
    ['POST', `/v1/review/${bolts.id}`, [1], 400, '$'],
  ];
  for (const [method, path, b, status, field] of cases) {
    const r = await call(method, path, b, 'sekret');
    assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(b)}: ${JSON.stringify(r.body)}`);
    if (field !== '') assert.equal(r.body['field'], field, JSON.stringify(r.body));
    assert.ok(typeof r.body['error'] === 'string' && r.body['error'].length > 0);
  }
  assert.equal((await call('GET', `/v1/review/${bolts.id}`)).body['item'].state, 'open');
});

test('without a token set, anyone may answer; the actor defaults to "api"', async () => {
  const open = await serveModel(fx.a, { reviewBelow: 1 });
  try {
    await classify(open.url, ['frozen shrimp 10kg'], 'open-1');
    await routedSoFar(open);
    const list = await fetch(`${open.url}/v1/review?endpoint=hs`).then((r) => r.json()) as Record<string, any>;
    const r = await fetch(`${open.url}/v1/review/${list['items'][0].id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ label: '0306.17' }) });
    const body = await r.json() as Record<string, any>;
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.equal(body['item'].answer.actor, 'api');
    const [f] = await open.log!.store.listFeedback({ endpoint: 'hs' });
    assert.equal(f!.source, 'review:api');
    assert.equal(f!.requestId, 'open-1');
  } finally {
    await open.close();
  }
});
