import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../../src/server/app.js';
import { DeploymentControl } from '../../../src/lifecycle/deployment-control.js';
import { MemoryDeploymentStore } from '../../../src/registry/memory/deployment-store.js';
import { FileModelSource } from '../../../src/serving/model-source.js';
import { ServingPlane } from '../../../src/serving/serving-plane.js';

// Routes that need no model loaded: the admin module's switch and token, and the open /metrics.
const plane = new ServingPlane(new FileModelSource(), { threads: 1, maxDelayMs: 2 });
after(() => plane.close());
const auth = { authorization: 'Bearer t0ken' };

test('admin routes are off (404) without a token or without a deployment store', async () => {
  for (const deps of [{ plane }, { plane, token: 't0ken' }, { plane, control: new DeploymentControl(new MemoryDeploymentStore()) }]) {
    const r = await createApp(deps).request('/admin/deployments', { headers: auth });
    assert.equal(r.status, 404);
    assert.match(((await r.json()) as { error: string }).error, /admin routes are off/);
  }
});

test('admin routes demand the token; with it they list deployments and shadow records', async () => {
  const app = createApp({ plane, token: 't0ken', control: new DeploymentControl(new MemoryDeploymentStore()) });
  assert.equal((await app.request('/admin/deployments')).status, 401);
  assert.equal((await app.request('/admin/shadow', { headers: { authorization: 'Bearer nope' } })).status, 401);
  assert.deepEqual(await (await app.request('/admin/deployments', { headers: auth })).json(), { deployments: [] });
  assert.deepEqual(await (await app.request('/admin/shadow', { headers: auth })).json(), { records: [] });
  const bad = await app.request('/admin/deployments', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"spec": 3}' });
  assert.equal(bad.status, 400);
  assert.equal((await app.request('/admin/nothing', { headers: auth })).status, 404);
});

test('/metrics and health stay open when predictions need the token', async () => {
  const app = createApp({ plane, token: 't0ken', protectPredictions: true });
  const m = await app.request('/metrics');
  assert.equal(m.status, 200);
  assert.match(m.headers.get('content-type') ?? '', /text\/plain/);
  assert.match(await m.text(), /lading_request_errors_total/);
  assert.equal((await app.request('/v2/health/live')).status, 200);
  assert.equal((await app.request('/v1/models')).status, 401);
  assert.equal((await app.request('/v1/models', { headers: auth })).status, 200);
});
