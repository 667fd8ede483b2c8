import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readTokensFile } from '../../src/config/tokens-file.js';
import { InputError } from '../../src/core/errors.js';
import { DeploymentControl } from '../../src/lifecycle/deployment-control.js';
import { MemoryDeploymentStore } from '../../src/registry/memory/deployment-store.js';
import { createApp } from '../../src/server/app.js';
import { singleDeployment } from '../../src/serving/deployment.js';
import { DeploymentSync } from '../../src/serving/deployment-sync.js';
import { FileModelSource } from '../../src/serving/model-source.js';
import { ServingPlane } from '../../src/serving/serving-plane.js';
import { trainFixtureModels } from '../serving/fixtures.js';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const dir = mkdtempSync(join(tmpdir(), 'lading-roles-'));
const TOKENS = `tokens:
  - name: ana
    sha256: ${sha('ana-secret')}
    roles: [read, approve]
  - name: bob
    sha256: ${sha('bob-secret')}
    roles: [read, deploy]
  - name: eve
    sha256: ${sha('eve-secret')}
    roles: [deploy]
    models: ["other*"]
  - name: dave
    sha256: ${sha('dave-secret')}
    roles: [predict]
`;
const tokensFile = join(dir, 'tokens.yaml');
writeFileSync(tokensFile, TOKENS);

const fx = await trainFixtureModels();
const plane = new ServingPlane(new FileModelSource(), { threads: 1, maxDelayMs: 1 });
const store = new MemoryDeploymentStore();
const control = new DeploymentControl(store);
const sync = new DeploymentSync(store, plane);
await control.deploy(singleDeployment('hs', fx.a), 'setup');
await sync.syncOnce();
const app = createApp({ plane, grants: readTokensFile(tokensFile), protectPredictions: true, control, afterChange: () => sync.syncOnce(), maxBodyBytes: 64 * 1024 });
after(() => plane.close());

const call = (method: string, path: string, token: string | undefined, body?: unknown) => app.request(path, {
  method, headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});
const spec = (model: string) => ({ spec: { endpoint: 'hs', mode: 'single', variants: [{ name: 'main', model, weight: 1, role: 'primary' }] }, actor: 'mallory', reason: 'test' });

test('no token or an unknown one: 401; a token without the role: 403 naming who and what; the right one acts', async () => {
  assert.equal((await call('GET', '/admin/deployments', undefined)).status, 401);
  assert.equal((await call('GET', '/admin/deployments', 'bob-secretX')).status, 401);
  const dave = await call('GET', '/admin/deployments', 'dave-secret');
  assert.equal(dave.status, 403);
  assert.match(((await dave.json()) as { error: string }).error, /^dave may not read: its roles are predict$/);
  assert.equal((await call('GET', '/admin/deployments', 'bob-secret')).status, 200);
  const ana = await call('POST', '/admin/deployments', 'ana-secret', spec(fx.b));
  assert.equal(ana.status, 403, 'approving is not deploying');
  assert.equal((await store.current('hs'))!.spec!.variants[0]!.model, fx.a, 'a refused change changes nothing');
});

test('a deployment change needs deploy on every model the endpoint serves and will serve; the audit log records the token\'s name, not the body\'s actor', async () => {
  const eve = await call('POST', '/admin/deployments', 'eve-secret', spec(fx.b));
  assert.equal(eve.status, 403);
  const body = (await eve.json()) as { error: string; code: string };
  assert.equal(body.code, 'forbidden-scope');
  assert.match(body.error, /^eve may not deploy .*model-a\.lading.*: it acts on other\* only$/);
  const bob = await call('POST', '/admin/deployments', 'bob-secret', spec(fx.b));
  assert.equal(bob.status, 200);
  const history = await store.history('hs');
  assert.deepEqual(history.map((h) => h.actor), ['setup', 'bob']);
  assert.equal((await call('POST', '/admin/deployments/hs/rollback', 'eve-secret', {})).status, 403);
  assert.equal((await call('POST', '/admin/deployments/hs/rollback', 'bob-secret', {})).status, 200);
});

test('with protectPredictions, predicting needs the predict role; health stays open', async () => {
  const classify = (token?: string) => call('POST', '/v1/models/hs:classify', token, { texts: ['PLASTIC CUPS'] });
  assert.equal((await classify()).status, 401);
  assert.equal((await classify('ana-secret')).status, 403);
  assert.equal((await classify('dave-secret')).status, 200);
  assert.equal((await call('GET', '/v2/health/ready', undefined)).status, 200);
});

test('a bad tokens file is refused naming the file, the line and the field', () => {
  const cases: Array<[string, RegExp]> = [
    ['tokens:\n  - name: ana\n    sha256: not-a-hash\n    roles: [read]\n', /tokens\.yaml:3: tokens\[0\]\.sha256: the token's sha256 as 64 lowercase hex digits/],
    [`tokens:\n  - name: ana\n    sha256: ${sha('a')}\n    roles: [read, rule]\n`, /:4: tokens\[0\]\.roles: unknown role "rule"/],
    [`tokens:\n  - name: ana\n    sha256: ${sha('a')}\n    roles: [read]\n  - name: ana\n    sha256: ${sha('b')}\n    roles: [read]\n`, /:5: tokens\[1\]\.name: ana is named twice/],
    [`tokens:\n  - name: ana\n    sha256: ${sha('a')}\n    roles: [read]\n  - name: bo\n    sha256: ${sha('a')}\n    roles: [read]\n`, /:6: tokens\[1\]\.sha256: the same token as ana/],
    [`tokens:\n  - name: ana\n    token: abc\n`, /:3: tokens\[0\]\.token: unknown field/],
    ['tokens: {}\n', /tokens: the file must hold `tokens:`/],
  ];
  for (const [yaml, message] of cases) {
    const file = join(dir, 'tokens.yaml');
    writeFileSync(file, yaml);
    assert.throws(() => readTokensFile(file), (e: unknown) => e instanceof InputError && message.test(e.message), yaml);
  }
});
