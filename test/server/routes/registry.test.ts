import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedWorkspace } from '../../../src/platform/index.js';
import { createApp } from '../../../src/server/app.js';
import { FileModelSource } from '../../../src/serving/model-source.js';
import { ServingPlane } from '../../../src/serving/serving-plane.js';
import { writeSyntheticArtifact } from '../../registry/models/fixtures.js';

const home = mkdtempSync(join(tmpdir(), 'lading-registry-routes-'));
const ws = openEmbeddedWorkspace(home);
const plane = new ServingPlane(new FileModelSource(), { threads: 1, maxDelayMs: 2 });
after(async () => { await plane.close(); await ws.close(); rmSync(home, { recursive: true, force: true }); });

test('read-only registry routes list models with aliases, and one model\'s versions', async () => {
  await ws.registerModelVersion({ name: 'grocery', artifactPath: writeSyntheticArtifact(home, 1), actor: 'ana' });
  await ws.registerModelVersion({ name: 'grocery', artifactPath: writeSyntheticArtifact(home, 2), actor: 'ana' });
  await ws.approveVersion({ name: 'grocery', version: 2, actor: 'ana' });
  await ws.setAlias({ name: 'grocery', alias: 'champion', version: 2, actor: 'ana' });
  const app = createApp({ plane, registry: ws });
  const models = (await (await app.request('/v1/registry/models')).json()) as { models: Array<{ name: string; latestVersion: number; aliases: Array<{ alias: string }> }> };
  assert.equal(models.models.length, 1);
  assert.equal(models.models[0]!.name, 'grocery');
  assert.equal(models.models[0]!.latestVersion, 2);
  assert.deepEqual(models.models[0]!.aliases.map((a) => a.alias), ['champion']);
  const versions = (await (await app.request('/v1/registry/models/grocery/versions')).json()) as { versions: Array<{ version: number; kind: string }>; aliases: unknown[] };
  assert.deepEqual(versions.versions.map((v) => v.version), [1, 2]);
  assert.equal(versions.aliases.length, 1);
  const missing = await app.request('/v1/registry/models/nothing/versions');
  assert.equal(missing.status, 404);
  assert.equal(typeof ((await missing.json()) as { error: unknown }).error, 'string');
  assert.equal((await app.request('/v1/registry/models', { method: 'POST' })).status, 404, 'read-only');
});

test('without a registry the routes are not there', async () => {
  assert.equal((await createApp({ plane }).request('/v1/registry/models')).status, 404);
});
