import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { DeploymentControl } from '../../src/lifecycle/deployment-control.js';
import { MemoryDeploymentStore } from '../../src/registry/memory/deployment-store.js';
import { createApp } from '../../src/server/app.js';
import { validateDeployment } from '../../src/serving/deployment.js';
import { DeploymentSync } from '../../src/serving/deployment-sync.js';
import { FileModelSource } from '../../src/serving/model-source.js';
import { ServingPlane } from '../../src/serving/serving-plane.js';
import { trainFixtureModels } from './fixtures.js';

const fx = await trainFixtureModels();
// Inline scoring off: every batch goes to a serving thread, whose scoring time comes back with the answer.
const plane = new ServingPlane(new FileModelSource(), { threads: 1, maxDelayMs: 1, inlineBudgetMs: 0 });
const store = new MemoryDeploymentStore();
const sync = new DeploymentSync(store, plane);
await new DeploymentControl(store).deploy(validateDeployment({
  endpoint: 'hs', mode: 'ab', variants: [{ name: 'a', model: fx.a, weight: 1, role: 'primary' }, { name: 'b', model: fx.b, weight: 1, role: 'primary' }],
}), 'test');
await sync.syncOnce();
const app = createApp({ plane, maxBodyBytes: 64 * 1024 });
after(() => plane.close());

/** A sample value of /metrics by metric name and label substring. */
function sample(metrics: string, name: string, labels: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  assert.ok(line !== undefined, `${name} ${labels} in\n${metrics}`);
  return Number(line.split(' ').at(-1));
}

test('cost per prediction, live: each served version\'s CPU-seconds per million texts on /metrics, its scoring time plus its share of the rest', async () => {
  const texts = fx.texts.slice(0, 32);
  for (let i = 0; i < 150; i++) {
    const r = await app.request('/v1/models/hs:classify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ texts, key: `k${i}` }) });
    assert.equal(r.status, 200);
  }
  const metrics = await (await app.request('/metrics')).text();
  const costs = plane.metrics.costPerMillion();
  assert.deepEqual(costs.map((c) => c.labels.variant).sort(), ['a', 'b'], 'both variants answered (sticky keys split them)');
  const cpu = (() => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; })();
  let accounted = 0;
  for (const c of costs) {
    const { model, version, variant } = c.labels;
    const compute = sample(metrics, 'lading_model_compute_seconds_total', `model="${model}",version="${version}"`);
    const texts = sample(metrics, 'lading_texts_total', `variant="${variant}"`);
    assert.ok(compute > 0, `version ${version} was timed scoring`);
    assert.equal(texts, c.texts);
    const gauge = sample(metrics, 'lading_cpu_seconds_per_million_texts', `variant="${variant}"`);
    // The gauge is its scoring time per text and more (its share of the process's other work).
    assert.ok(gauge > (compute / texts) * 1e6, `${variant}: ${gauge} > ${(compute / texts) * 1e6}`);
    accounted += (c.cpuSecondsPerMillion * c.texts) / 1e6;
  }
  // Together the versions account for the whole process's CPU (this test's own work included: it
  // runs in the serving process), read a moment apart.
  assert.ok(accounted <= cpu && accounted > 0.9 * cpu, `${accounted} of ${cpu} CPU-seconds`);
  assert.match(metrics, /^lading_process_cpu_seconds [0-9.]+$/m);
});
