import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servedApp } from './served-app.js';

const { plane, app } = await servedApp();

const classify = (body: unknown, headers: Record<string, string> = {}) =>
  app.request('/v1/models/hs:classify', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const json = async (r: Response) => (await r.json()) as Record<string, any>;

test('every /v1 answer carries a requestId, also in X-Request-Id; a sent X-Request-Id is used', async () => {
  const ids = new Set<string>();
  for (let i = 0; i < 5; i++) {
    const r = await classify({ texts: ['PLASTIC CUPS'] });
    assert.equal(r.status, 200);
    const id = (await json(r))['requestId'];
    assert.equal(typeof id, 'string');
    assert.equal(r.headers.get('x-request-id'), id);
    ids.add(id);
  }
  assert.equal(ids.size, 5, 'generated ids differ');
  const mine = await classify({ texts: ['PLASTIC CUPS'] }, { 'X-Request-Id': 'invoice-4711/line-3' });
  assert.equal((await json(mine))['requestId'], 'invoice-4711/line-3');
  assert.equal(mine.headers.get('x-request-id'), 'invoice-4711/line-3');
  // Errors carry an id too, so a failed call can be found in the logs.
  const badBody = await classify({ texts: 'x' }, { 'X-Request-Id': 'e-1' });
  assert.equal(badBody.status, 400);
  assert.equal(badBody.headers.get('x-request-id'), 'e-1');
  const badId = await classify({ texts: ['x'] }, { 'X-Request-Id': 'has spaces in it' });
  assert.equal(badId.status, 400);
  assert.match((await json(badId))['error'], /X-Request-Id/);
  assert.ok(badId.headers.get('x-request-id'));
});

test('an empty or whitespace-only text is refused, naming its index, and nothing is classified', async () => {
  const count = async () => Number(/lading_texts_total\{endpoint="hs"[^}]*\} (\d+)/.exec(await plane.metrics.text())?.[1] ?? 0);
  await plane.observersFlushed();
  const before = await count();
  for (const blank of ['', ' ', '\t\n', '\u00a0\u3000']) {
    const r = await classify({ texts: ['PLASTIC CUPS', 'LED TV', 'SHOES', blank] });
    assert.equal(r.status, 400, JSON.stringify(blank));
    const b = await json(r);
    assert.match(b['error'], /texts\[3\] is empty or only whitespace/);
    assert.equal(b['field'], 'texts[3]');
  }
  // Text with words around spaces is fine.
  assert.equal((await classify({ texts: [' PLASTIC CUPS '] })).status, 200);
  await plane.observersFlushed();
  assert.equal(await count(), before + 1);
});

test('GET /v1/models lists the endpoints and their variants', async () => {
  const b = await json(await app.request('/v1/models'));
  assert.equal(b['endpoints'][0].endpoint, 'hs');
  assert.equal(b['endpoints'][0].variants[0].name, 'main');
});
