import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateDeployment, type DeploymentSpec } from '../../src/serving/deployment.js';
import { DeploymentControl } from '../../src/lifecycle/deployment-control.js';
import { openEmbeddedWorkspace } from '../../src/platform/index.js';
import { keyPoint, pickByWeight } from '../../src/serving/variant-assignment.js';
import { parseVariant } from '../../src/cli/deploy.js';

const ab: DeploymentSpec = { endpoint: 'hs', mode: 'ab', variants: [{ name: 'a', model: 'm@1', weight: 90, role: 'primary' }, { name: 'b', model: 'm@2', weight: 10, role: 'primary' }] };

test('sticky assignment: a key always maps to the same variant, and weights are respected over many keys', () => {
  const cumulative = [90, 100];
  for (let i = 0; i < 50; i++) assert.equal(pickByWeight(cumulative, keyPoint(`k${i}`)), pickByWeight(cumulative, keyPoint(`k${i}`)));
  let b = 0;
  for (let i = 0; i < 20_000; i++) b += pickByWeight(cumulative, keyPoint(`merchant-${i}`));
  assert.ok(b > 1600 && b < 2400, `~10% to b, got ${b / 200}%`);
  assert.equal(pickByWeight([0, 100], 0), 1, 'a weight-0 variant gets nothing');
});

test('validateDeployment refuses broken shapes with the problem named', () => {
  assert.throws(() => validateDeployment({ ...ab, variants: [] }), /no variants/);
  assert.throws(() => validateDeployment({ ...ab, endpoint: 'bad name' }), /endpoint name/);
  assert.throws(() => validateDeployment({ ...ab, variants: [ab.variants[0]!, ab.variants[0]!] }), /twice/);
  assert.throws(() => validateDeployment({ ...ab, mode: 'single' }), /single deployment needs exactly one primary/);
  assert.throws(() => validateDeployment({ ...ab, variants: ab.variants.map((v) => ({ ...v, weight: 0 })) }), /weight above 0/);
  assert.throws(() => validateDeployment({ ...ab, logText: 'no' as unknown as boolean }), /logText must be true or false/);
  assert.equal(validateDeployment({ ...ab, logText: false }).logText, false);
  assert.throws(() => validateDeployment({ ...ab, mode: 'blue-green' }), /exactly one of them/);
  assert.throws(() => validateDeployment({ ...ab, variants: [{ ...ab.variants[0]!, weight: -1 }] }), /weight/);
  assert.equal(validateDeployment(ab), ab);
});

test('deployment control: canary share, promote, blue-green switch and rollback are audited revisions in the store', async () => {
  // The real store: the workspace's SQLite registry in a temp folder.
  const home = mkdtempSync(join(tmpdir(), 'lading-deploy-'));
  const ws = openEmbeddedWorkspace(home);
  const store = ws.deployments;
  const control = new DeploymentControl(store);
  try {
    await control.deploy({ endpoint: 'hs', mode: 'blue-green', variants: [{ name: 'blue', model: 'm@1', weight: 1, role: 'primary' }, { name: 'green', model: 'm@2', weight: 0, role: 'primary' }] }, 'ann', 'first');
    const switched = await control.switchBlueGreen('hs', 'ann');
    assert.deepEqual(switched.spec!.variants.map((v) => v.weight), [0, 1]);
    await control.deploy(ab, 'bob');
    const canary = await control.canary('hs', 'b', 25, 'bob');
    assert.deepEqual(canary.spec!.variants.map((v) => v.weight), [75, 25]);
    const promoted = await control.promote('hs', 'b', 'bob', 'b wins');
    assert.equal(promoted.spec!.mode, 'single');
    assert.deepEqual(promoted.spec!.variants.map((v) => v.name), ['b']);
    const back = await control.rollback('hs', 'carol');
    assert.deepEqual(back.spec, canary.spec, 'rollback restores the revision before the current one');
    const reopened = openEmbeddedWorkspace(home);
    const history = await reopened.deployments.history('hs').finally(() => reopened.close());
    assert.deepEqual(history.map((h) => [h.revision, h.action, h.actor]), [[1, 'deploy', 'ann'], [2, 'switch', 'ann'], [3, 'deploy', 'bob'], [4, 'canary', 'bob'], [5, 'promote', 'bob'], [6, 'rollback', 'carol']]);
    await assert.rejects(control.promote('hs', 'zz', 'x'), /no variant "zz"/);
    await assert.rejects(control.switchBlueGreen('hs', 'x'), /not blue-green/);
    await assert.rejects(control.canary('hs', 'a', 120, 'x'), /0 to 100/);
    assert.equal((await store.history('hs')).length, 6, 'refused changes write nothing');
  } finally {
    ws.close();
    rmSync(home, { recursive: true, force: true });
  }
});

test('--variant NAME=MODEL[:WEIGHT][:shadow] parsing', () => {
  assert.deepEqual(parseVariant('new=hs4@challenger:5'), { name: 'new', model: 'hs4@challenger', weight: 5, role: 'primary' });
  assert.deepEqual(parseVariant('s=/m/x.lading:0:shadow'), { name: 's', model: '/m/x.lading', weight: 0, role: 'shadow' });
  assert.throws(() => parseVariant('nomodel'), /NAME=MODEL/);
  assert.throws(() => parseVariant('a=m:fast'), /neither a weight/);
});
