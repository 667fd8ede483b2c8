import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../src/server/app.js';
import { DeploymentControl } from '../../src/lifecycle/deployment-control.js';
import { DeploymentSync } from '../../src/serving/deployment-sync.js';
import { MemoryDeploymentStore } from '../../src/registry/memory/deployment-store.js';
import { FileModelSource } from '../../src/serving/model-source.js';
import { ServingPlane } from '../../src/serving/serving-plane.js';
import { singleDeployment } from '../../src/serving/deployment.js';
import { trainFixtureModels } from '../serving/fixtures.js';

const fx = await trainFixtureModels();
const plane = new ServingPlane(new FileModelSource(), { threads: 1, maxDelayMs: 2 });
const store = new MemoryDeploymentStore();
const control = new DeploymentControl(store);
const sync = new DeploymentSync(store, plane);
await control.deploy(singleDeployment('hs', fx.a), 'test');
await sync.syncOnce();
const app = createApp({ plane, token: 'sekret', control, afterChange: () => sync.syncOnce(), maxBodyBytes: 64 * 1024 });
after(() => plane.close());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const json = async (r: Response) => (await r.json()) as Record<string, any>;

test('POST /v1/models/{name}:classify returns label, score, top-k, explanation, model version and variant', async () => {
  const r = await post('/v1/models/hs:classify', { texts: ['500 CTNS PLASTIC CUPS', 'LED TV 32 INCH'], top: 3, explain: true, key: 'merchant-1' });
  assert.equal(r.status, 200);
  const b = await json(r);
  assert.equal(b['endpoint'], 'hs');
  assert.equal(b['variant'], 'main');
  assert.match(b['version'], /^[0-9a-f]{12}$/);
  assert.equal(b['predictions'].length, 2);
  for (const p of b['predictions']) {
    assert.equal(p.top.length, 3);
    assert.equal(p.top[0].label, p.label);
    assert.ok(p.score > 0 && p.score <= 1 && p.top[1].score <= p.score);
    assert.ok(Array.isArray(p.explanation) && p.explanation.length > 0);
  }
  // name@version picks the variant running that version
  const v = await post(`/v1/models/hs@${b['version']}:classify`, { texts: ['x'] });
  assert.equal(v.status, 200);
  assert.equal((await post('/v1/models/hs@nope:classify', { texts: ['x'] })).status, 404);
});

test('OIP V2 health, server and model metadata, readiness', async () => {
  assert.equal((await app.request('/v2/health/live')).status, 200);
  assert.equal((await app.request('/v2/health/ready')).status, 200);
  const meta = await json(await app.request('/v2'));
  assert.equal(meta['name'], 'lading');
  assert.ok(meta['extensions'].includes('classification'));
  const m = await json(await app.request('/v2/models/hs'));
  assert.equal(m['name'], 'hs');
  assert.equal(m['inputs'][0].datatype, 'BYTES');
  assert.deepEqual(m['outputs'].map((o: any) => o.name), ['label', 'score', 'probabilities']);
  const ready = await app.request('/v2/models/hs/ready');
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { name: 'hs', ready: true });
  assert.equal((await app.request(`/v2/models/hs/versions/${m['versions'][0]}`)).status, 200);
  const missing = await app.request('/v2/models/nothing');
  assert.equal(missing.status, 404);
  assert.equal(typeof (await json(missing))['error'], 'string');
});

// The spec's example request (inference_rest.md, "Inference Request Examples": id "42", one
// output asked for), with its tensor turned into this model's BYTES input of texts.
test('OIP V2 infer: the specification example, flat and nested data, [batch] and [batch,1]', async () => {
  const specExample = {
    id: '42',
    inputs: [{ name: 'text', shape: [2, 1], datatype: 'BYTES', data: [['PLASTIC CUPS'], ['LED TV']] }],
    outputs: [{ name: 'label' }],
  };
  const r = await post('/v2/models/hs/infer', specExample);
  assert.equal(r.status, 200);
  const b = await json(r);
  assert.equal(b['id'], '42');
  assert.equal(b['model_name'], 'hs');
  assert.equal(b['outputs'].length, 1);
  assert.deepEqual(b['outputs'][0].shape, [2]);
  assert.equal(b['outputs'][0].datatype, 'BYTES');
  const flat = await json(await post('/v2/models/hs/infer', { inputs: [{ name: 'text', shape: [2], datatype: 'BYTES', data: ['PLASTIC CUPS', 'LED TV'] }] }));
  assert.deepEqual(flat['outputs'][0].data, b['outputs'][0].data, 'flat and nested data give the same labels');
  assert.equal(flat['id'], undefined);
  const [label, score, proba] = flat['outputs'];
  assert.equal(score.datatype, 'FP32');
  assert.equal(proba.shape[0], 2);
  const classes = proba.shape[1];
  assert.equal(proba.data.length, 2 * classes);
  const row0 = proba.data.slice(0, classes);
  assert.ok(Math.abs(Math.max(...row0) - score.data[0]) < 1e-6);
  assert.equal(typeof label.data[0], 'string');
});

test('OIP V2 classification extension returns "score:index:label" strings', async () => {
  const r = await json(await post('/v2/models/hs/infer', {
    inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: ['PLASTIC CUPS'] }],
    outputs: [{ name: 'probabilities', parameters: { classification: 3 } }],
  }));
  const out = r['outputs'][0];
  assert.equal(out.datatype, 'BYTES');
  assert.deepEqual(out.shape, [1, 3]);
  const parts = out.data.map((s: string) => s.split(':'));
  assert.ok(parts.every((p: string[]) => p.length === 3 && Number.isFinite(Number(p[0])) && Number.isInteger(Number(p[1]))));
  assert.ok(Number(parts[0][0]) >= Number(parts[1][0]));
});

test('malformed requests get a clear 4xx with {"error"} and change nothing', async () => {
  const cases: Array<[string, unknown, number, RegExp]> = [
    ['/v1/models/hs:classify', '{"texts": [', 400, /not valid JSON/],
    ['/v1/models/hs:classify', { texts: 'abc' }, 400, /texts/],
    ['/v1/models/hs:classify', { texts: [] }, 400, /at least one/],
    ['/v1/models/hs:classify', { texts: ['a'], top: 0 }, 400, /top/],
    ['/v1/models/hs:classify', { texts: ['a'], bogus: 1 }, 400, /unknown field "bogus"/],
    ['/v1/models/hs:classify', [1, 2], 400, /JSON object/],
    ['/v1/models/hs:classify', 'null', 400, /JSON object/],
    ['/v1/models/hs:classify', '', 400, /empty/],
    ['/v2/models/hs/infer', { inputs: [{ name: 't', shape: [2], datatype: 'BYTES', data: ['a'] }] }, 400, /needs 2/],
    ['/v2/models/hs/infer', { inputs: [{ name: 't', shape: [1], datatype: 'FP32', data: [1] }] }, 400, /BYTES/],
    ['/v2/models/hs/infer', { inputs: [{ name: 't', shape: [1, 2], datatype: 'BYTES', data: ['a', 'b'] }] }, 400, /second dimension/],
    ['/v2/models/hs/infer', { inputs: [] }, 400, /exactly one/],
    ['/v2/models/hs/infer', { inputs: [{ name: 't', shape: [1], datatype: 'BYTES', data: ['a'] }], outputs: [{ name: 'nope' }] }, 400, /outputs\[0\]\.name/],
    ['/v2/models/hs/infer', { inputs: [{ name: 't', shape: [1], datatype: 'BYTES', data: ['a'] }], parameters: { binary_data_output: true } }, 400, /binary/],
    ['/v2/models/hs/infer', { id: 5, inputs: [{ name: 't', shape: [1], datatype: 'BYTES', data: ['a'] }] }, 400, /"id"/],
    ['/v1/models/hs:predict', { texts: ['a'] }, 404, /classify/],
  ];
  for (const [path, body, status, message] of cases) {
    const r = await post(path, body);
    assert.equal(r.status, status, `${path} ${JSON.stringify(body)}`);
    assert.match((await json(r))['error'], message);
  }
  const big = await post('/v1/models/hs:classify', { texts: ['x'.repeat(70 * 1024)] });
  assert.equal(big.status, 413);
  const form = await app.request('/v1/models/hs:classify', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
  assert.equal(form.status, 415);
  const metrics = await (await app.request('/metrics')).text();
  assert.match(metrics, /lading_request_errors_total\{route="v1-classify",status="400",endpoint="hs"\}/);
  assert.match(metrics, /lading_requests_total\{endpoint="hs"/);
  assert.match(metrics, /lading_batch_texts_bucket/);
  assert.match(metrics, /lading_queue_seconds_bucket/);
  assert.match(metrics, /lading_predicted_labels_total/);
  assert.match(metrics, /lading_prediction_score_bucket/);
});

test('admin routes need the bearer token; deploy, canary by key, promote and rollback take effect at once', async () => {
  const spec = { endpoint: 'hs', mode: 'ab', variants: [{ name: 'a', model: fx.a, weight: 1, role: 'primary' }, { name: 'b', model: fx.b, weight: 1, role: 'primary' }] };
  assert.equal((await post('/admin/deployments', { spec })).status, 401);
  assert.equal((await post('/admin/deployments', { spec }, { authorization: 'Bearer wrong' })).status, 401);
  assert.equal((await post('/admin/deployments', { spec }, { authorization: 'Bearer sekreT' })).status, 401, 'a token that differs in its last character');
  const ok = await post('/admin/deployments', { spec, reason: 'ab test' }, { authorization: 'Bearer sekret' });
  assert.equal(ok.status, 200);
  assert.equal((await json(ok))['revision'], 2);
  // Sticky: the same key always lands on the same variant; different keys reach both.
  const seen = new Map<string, Set<string>>();
  for (let i = 0; i < 60; i++) {
    const key = `merchant-${i % 12}`;
    const b = await json(await post('/v1/models/hs:classify', { texts: ['PLASTIC CUPS'], key }));
    if (!seen.has(key)) seen.set(key, new Set());
    seen.get(key)!.add(b['variant']);
  }
  assert.ok([...seen.values()].every((s) => s.size === 1), 'sticky per key');
  assert.equal(new Set([...seen.values()].flatMap((s) => [...s])).size, 2, 'both variants get traffic');
  const promoted = await post('/admin/deployments/hs/promote', { variant: 'b' }, { authorization: 'Bearer sekret' });
  assert.equal(promoted.status, 200);
  assert.equal((await json(await post('/v1/models/hs:classify', { texts: ['x'] })))['variant'], 'b');
  const rolled = await post('/admin/deployments/hs/rollback', {}, { authorization: 'Bearer sekret' });
  assert.equal(rolled.status, 200);
  const history = await json(await app.request('/admin/deployments/hs/history', { headers: { authorization: 'Bearer sekret' } }));
  assert.deepEqual(history['history'].map((h: any) => h.action), ['deploy', 'deploy', 'promote', 'rollback']);
  assert.equal(plane.endpoint('hs')?.spec?.mode, 'ab');
  const bad = await post('/admin/deployments', { spec: { ...spec, variants: [] } }, { authorization: 'Bearer sekret' });
  assert.equal(bad.status, 400);
  assert.equal(plane.endpoint('hs')?.spec?.mode, 'ab', 'a refused deployment changes nothing');
});

test('shadow variants get a copy of the traffic, recorded and never returned', async () => {
  // Observers see an answer when its event is delivered (after it was sent): the earlier tests' last
  // answers must not meet this deployment's shadow, which a model that loads fast deploys at once.
  await plane.observersFlushed();
  await control.deploy({ endpoint: 'hs', mode: 'shadow', variants: [{ name: 'main', model: fx.a, weight: 1, role: 'primary' }, { name: 'next', model: fx.b, weight: 0, role: 'shadow' }] }, 'test');
  await sync.syncOnce();
  for (let i = 0; i < 20; i++) {
    const b = await json(await post('/v1/models/hs:classify', { texts: ['PLASTIC CUPS', 'LED TV'] }));
    assert.equal(b['variant'], 'main');
  }
  for (let i = 0; i < 50 && plane.shadows.recent().length < 20; i++) await new Promise((r) => setTimeout(r, 20));
  const records = plane.shadows.recent();
  assert.ok(records.length >= 20);
  assert.equal(records[0]!.variant, 'next');
  assert.equal(records[0]!.primaryLabels.length, 2);
  const metrics = await (await app.request('/metrics')).text();
  assert.match(metrics, /lading_shadow_requests_total\{endpoint="hs",variant="next",outcome="answered"\}/);
});
