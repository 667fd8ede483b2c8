import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeArtifact } from '../../src/core/artifact-format.js';
import { DeploymentControl } from '../../src/lifecycle/deployment-control.js';
import { openEmbeddedWorkspace } from '../../src/platform/index.js';
import { modelLineageOverview } from '../../src/registry/model-lineage-overview.js';

/** A distinct tiny artifact per version (the registry refuses bytes a live version already has). */
function artifact(i: number): Buffer {
  return encodeArtifact({ kind: 'synthetic', labels: ['a', 'b'], featuriser: {}, params: { i }, training: { seed: i, upsample: false, trainRows: 0, validRows: 0 }, metrics: {}, codeVersion: 'test' },
    [['w', Float32Array.of(i)]]);
}

test('the lineage overview read once from the deployment store equals the per-version registry lineage', async () => {
  const home = mkdtempSync(join(tmpdir(), 'lading-lineage-overview-'));
  const ws = await openEmbeddedWorkspace(home);
  try {
    for (let i = 1; i <= 6; i++) await ws.registerModelVersion({ name: 'm', artifactBytes: artifact(i), actor: 't', ...(i > 1 ? { parentVersion: i - 1 } : {}) });
    await ws.registerModelVersion({ name: 'other', artifactBytes: artifact(99), actor: 't' });
    for (let i = 1; i <= 5; i++) await ws.approveVersion({ name: 'm', version: i, actor: 't' });
    const control = new DeploymentControl(ws.deployments);
    const one = (endpoint: string, model: string) => ({ endpoint, mode: 'single' as const, variants: [{ name: 'a', model, weight: 1, role: 'primary' as const }] });
    await ws.setAlias({ name: 'm', alias: 'champion', version: 1, actor: 't' });
    await control.deploy(one('e1', 'm@champion'), 't', null);
    await control.deploy(one('e2', 'm@2'), 't', null);
    await control.deploy(one('e3', 'other@1'), 't', null);
    await ws.setAlias({ name: 'm', alias: 'champion', version: 3, actor: 't' });
    await control.deploy({ endpoint: 'e2', mode: 'canary', variants: [{ name: 'a', model: 'm@2', weight: 9, role: 'primary' }, { name: 'b', model: 'm', weight: 1, role: 'primary' }] }, 't', null);
    await ws.setAlias({ name: 'm', alias: 'challenger', version: 4, actor: 't' });
    await ws.rollbackAlias({ name: 'm', alias: 'champion', actor: 't' });
    await ws.deleteAlias({ name: 'm', alias: 'challenger', actor: 't' });
    await control.deploy(one('e1', 'm@5'), 't', null);

    for (const limit of [200, 3]) {
      const perVersion = await modelLineageOverview(ws, 'm', { limit });
      const readOnce = await modelLineageOverview(ws, 'm', { limit, deployments: ws.deployments });
      assert.deepEqual(readOnce, perVersion);
      if (limit === 200) assert.ok(perVersion.versions.some((v) => v.deployments.length > 1) && perVersion.versions.some((v) => v.aliasHistory.length > 1), 'the case has periods to compare');
      else assert.equal(readOnce.omitted, 3);
    }
    await assert.rejects(modelLineageOverview(ws, 'nope', { deployments: ws.deployments }), /nope/);
  } finally {
    ws.close();
    rmSync(home, { recursive: true, force: true });
  }
});
