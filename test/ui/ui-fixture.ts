import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeploymentControl } from '../../src/lifecycle/deployment-control.js';
import { openEmbeddedWorkspace, type UiSettings } from '../../src/platform/index.js';
import { trainFixtureModels } from '../serving/fixtures.js';

export const MODEL = 'hs-codes';
export const ENDPOINT = 'hs';
export const TOKEN = 'ui-test-token';

/**
 * A workspace as a team leaves it after a few days: model hs-codes (small real fastText models) with
 * versions 1 and 2 approved (champion -> 1) and 3 pending, and endpoint hs deployed twice (v1 alone,
 * then a 90/10 canary of v2). Also returns texts to classify.
 */
export async function seededHome(): Promise<{ home: string; texts: readonly string[] }> {
  const home = mkdtempSync(join(tmpdir(), 'lading-ui-'));
  const fx = await trainFixtureModels();
  const ws = openEmbeddedWorkspace(home);
  try {
    for (const [i, artifactPath] of [fx.a, fx.b, fx.a].entries()) await ws.registerModelVersion({ name: MODEL, artifactPath, actor: 'trainer', force: i === 2 });
    await ws.approveVersion({ name: MODEL, version: 1, actor: 'alice', reason: 'baseline' });
    await ws.approveVersion({ name: MODEL, version: 2, actor: 'alice' });
    await ws.setAlias({ name: MODEL, alias: 'champion', version: 1, actor: 'alice' });
    const control = new DeploymentControl(ws.deployments);
    await control.deploy({ endpoint: ENDPOINT, mode: 'single', variants: [{ name: 'a', model: `${MODEL}@1`, weight: 1, role: 'primary' }] }, 'alice', 'first release');
    await control.deploy({
      endpoint: ENDPOINT, mode: 'canary',
      variants: [{ name: 'a', model: `${MODEL}@1`, weight: 9, role: 'primary' }, { name: 'b', model: `${MODEL}@2`, weight: 1, role: 'primary' }],
    }, 'bob', 'canary v2');
  } finally {
    ws.close();
  }
  return { home, texts: fx.texts };
}

export function uiSettings(home: string, overrides: Partial<UiSettings> = {}): UiSettings {
  return { home, registryUrl: undefined, registrySchema: 'public', port: 0, host: '127.0.0.1', token: TOKEN, protectPredictions: false, maxBodyKb: 1024, ...overrides };
}

/** What the registry says, read from a fresh connection (not through the server under test). */
export async function registryState(home: string) {
  const ws = openEmbeddedWorkspace(home);
  try {
    return {
      versions: await ws.listModelVersions(MODEL),
      audit: await ws.auditLog({ model: MODEL }),
      deployment: await ws.deployments.history(ENDPOINT),
    };
  } finally {
    ws.close();
  }
}
