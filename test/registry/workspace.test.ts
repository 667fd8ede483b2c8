import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DatasetRegistry } from '../../src/registry/dataset-registry.js';
import { MemoryDeploymentStore } from '../../src/registry/memory/deployment-store.js';
import { MemoryArtifactStore } from '../../src/registry/artifacts/memory/artifact-store.js';
import type { ModelRegistry } from '../../src/registry/model-registry.js';
import { composeWorkspace, DATASET_METHODS, MODEL_METHODS } from '../../src/registry/workspace.js';
import { openEmbeddedWorkspace } from '../../src/platform/index.js';

/** An adapter stand-in that records each call with its receiver, plus a private-looking helper that must not leak. */
class Recorder {
  readonly calls: Array<{ name: string; args: unknown[]; self: unknown }> = [];
  helperOnly(): string { return 'internal'; }
}
function recording<T>(names: Record<string, true>): { impl: T; calls: Recorder['calls'] } {
  const r = new Recorder() as Recorder & Record<string, unknown>;
  for (const name of Object.keys(names)) {
    r[name] = function (this: unknown, ...args: unknown[]) { r.calls.push({ name, args, self: this }); return `${name}-result`; };
  }
  return { impl: r as unknown as T, calls: r.calls };
}

test('the workspace forwards every DatasetRegistry and ModelRegistry method to its adapter, bound, with arguments and results', async () => {
  const datasets = recording<DatasetRegistry>(DATASET_METHODS);
  const models = recording<ModelRegistry>(MODEL_METHODS);
  let closed = 0;
  const ws = composeWorkspace({
    datasets: datasets.impl, models: models.impl, artifacts: new MemoryArtifactStore(), deployments: new MemoryDeploymentStore(), close: () => { closed++; },
  });
  const own = new Set(['listUnreferencedArtifacts', 'close']);
  for (const [names, rec] of [[MODEL_METHODS, models], [DATASET_METHODS, datasets]] as const) {
    for (const name of Object.keys(names)) {
      if (own.has(name)) continue;
      const method = (ws as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
      assert.equal(typeof method, 'function', `ws.${name} is reachable`);
      // Called detached, as a caller passing `ws.setAlias` around would.
      const detached = method!;
      assert.equal(detached('x', 1), `${name}-result`);
      const call = rec.calls.at(-1)!;
      assert.deepEqual([call.name, call.args], [name, ['x', 1]]);
      assert.equal(call.self, rec.impl, `${name} runs on its adapter`);
    }
  }
  assert.equal(models.calls.length + datasets.calls.length, Object.keys(MODEL_METHODS).length + Object.keys(DATASET_METHODS).length - 2);
  assert.equal((ws as unknown as Record<string, unknown>)['helperOnly'], undefined, 'nothing but the contract leaks out of an adapter');
  ws.close();
  assert.equal(closed, 1);
});

test('an artifact is unreferenced only when neither datasets nor models refer to it', async () => {
  const home = mkdtempSync(join(tmpdir(), 'lading-ws-'));
  const ws = openEmbeddedWorkspace(home);
  try {
    const a = await ws.artifacts.put(Buffer.from('orphan'));
    await ws.saveDataset({ textColumn: 't', labelColumns: ['l'], texts: ['x'], labels: { l: ['y'] } }, { file: 'a.csv', format: 'csv' });
    assert.deepEqual(await ws.listUnreferencedArtifacts(), [a.sha256]);
  } finally {
    ws.close();
    rmSync(home, { recursive: true, force: true });
  }
});
