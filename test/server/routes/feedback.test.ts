import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { trainFixtureModels } from '../../serving/fixtures.js';
import { classify, postFeedback, serveModel } from '../../monitoring/serving-fixture.js';

const fx = await trainFixtureModels();
// A long flush interval: a feedback join must find a just-answered request through the flush it asks for.
const s = await serveModel(fx.a, { logFlushMs: 60_000 });
after(() => s.close());
const stored = async () => (await s.log!.store.listFeedback({ endpoint: 'hs' })).length;

test('POST /v1/feedback joins by request id at once (endpoint implied), durable before the 201', async () => {
  const r = await classify(s.url, ['500 CTNS PLASTIC CUPS', 'LED TV 32 INCH'], 'fb-1');
  const fb = await postFeedback(s.url, { items: [{ requestId: 'fb-1', position: 1, label: r.body['predictions'][1].label, source: 'broker' }] });
  assert.equal(fb.status, 201, JSON.stringify(fb.body));
  assert.equal(fb.body['accepted'], 1);
  assert.equal(fb.body['joinedById'], 1);
  assert.deepEqual(fb.body['newClass'], []);
  const [rec] = await s.log!.store.listFeedback({ endpoint: 'hs' });
  assert.equal(rec!.requestId, 'fb-1');
  assert.equal(rec!.position, 1);
  assert.equal(rec!.text, 'LED TV 32 INCH');
  assert.equal(rec!.source, 'broker');
  assert.equal(rec!.prediction?.label, r.body['predictions'][1].label);
  assert.equal(rec!.prediction?.version, r.body['version']);
  assert.equal(rec!.newClass, false);
});

test('joins by normalised text on the named endpoint; a label the model does not know is accepted as a new class', async () => {
  await classify(s.url, ['Frozen Shrimp 10kg'], 'fb-2');
  const fb = await postFeedback(s.url, { endpoint: 'hs', items: [
    { text: '  frozen   SHRIMP 10kg ', label: '9999.99', time: '2026-12-01T10:00:00Z' },
    { text: 'never classified here', label: 'x' },
  ] });
  assert.equal(fb.status, 201, JSON.stringify(fb.body));
  assert.equal(fb.body['joinedByText'], 1);
  assert.equal(fb.body['unjoined'], 1);
  assert.deepEqual(fb.body['newClass'], [0]);
  const recs = await s.log!.store.listFeedback({ endpoint: 'hs' });
  const shrimp = recs.find((f) => f.label === '9999.99')!;
  assert.equal(shrimp.prediction?.seq !== undefined, true);
  assert.equal(shrimp.requestId, 'fb-2', 'the joined prediction names its request');
  assert.equal(shrimp.time, Date.parse('2026-12-01T10:00:00Z'));
  assert.equal(shrimp.newClass, true);
});

test('each bad item is a 400 naming the item and field, and the batch stores nothing', async () => {
  await classify(s.url, ['steel bolts m8'], 'fb-3');
  const before = await stored();
  const cases: Array<[unknown, string, string]> = [
    [{ items: [{ requestId: 'fb-3', label: 'a' }, { requestId: 'no-such-id', label: 'a' }] }, 'items[1].requestId', 'unknown-request-id'],
    [{ items: [{ requestId: 'fb-3', label: 'a' }, { requestId: 'fb-3', label: '  ' }] }, 'items[1].label', 'empty-label'],
    [{ items: [{ requestId: 'fb-3', label: 'a' }, { label: 'a' }] }, 'items[1].requestId', 'missing-join-key'],
    [{ items: [{ requestId: 'fb-3', label: 'a', time: 'last tuesday' }] }, 'items[0].time', 'bad-time'],
    [{ endpoint: 'hs', items: [{ text: '   ', label: 'a' }] }, 'items[0].text', 'empty-text'],
    [{ items: [{ requestId: 'fb-3', label: 'a' }, { text: 'steel bolts m8', label: 'a' }] }, 'items[1].text', 'missing-endpoint'],
    [{ endpoint: 'other', items: [{ requestId: 'fb-3', label: 'a' }] }, 'items[0].requestId', 'endpoint-mismatch'],
    [{ items: [] }, 'items', 'no-feedback'],
    [{ items: 'x' }, 'items', 'bad-request'],
  ];
  for (const [body, field, code] of cases) {
    const r = await postFeedback(s.url, body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body['field'], field, JSON.stringify(r.body));
    assert.equal(r.body['code'], code);
    assert.ok(String(r.body['error']).startsWith(field === 'items' ? '' : field), r.body['error']);
  }
  assert.equal(await stored(), before, 'nothing of a bad batch was stored');
});
