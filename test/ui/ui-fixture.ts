import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeploymentControl } from '../../src/lifecycle/deployment-control.js';
import { openPlatformWorkspace, type UiSettings } from '../../src/platform/index.js';
import { generateInvoiceLines } from '../../src/demo/invoice-lines.js';
import { saveReferenceProfile } from '../../src/platform/index.js';
import { runTraining } from '../../src/training/train-run.js';

export const MODEL = 'hs-codes';
export const ENDPOINT = 'hs';
export const TOKEN = 'ui-test-token';

/** The embedded SQLite registry under home (registryUrl undefined), or a PostgreSQL schema. */
export interface RegistryAt { readonly registryUrl: string | undefined; readonly registrySchema: string }

/**
 * A workspace as a team leaves it after a few days: model hs-codes (small real fastText models on
 * generated invoice lines, each with its reference profile so the monitor can measure drift and
 * estimate accuracy) with versions 1 and 2 approved (champion -> 1) and 3 pending, and endpoint hs
 * deployed twice (v1 alone, then a 90/10 canary of v2). Also returns labelled lines to classify.
 */
export async function seededHome(registry: RegistryAt = { registryUrl: undefined, registrySchema: 'public' }): Promise<{ home: string; lines: ReadonlyArray<{ text: string; label: string }> }> {
  const home = mkdtempSync(join(tmpdir(), 'lading-ui-'));
  const settings = { home, ...registry };
  const lines = generateInvoiceLines({ rows: 1500, seed: 7, classes: 12 });
  const rows = { textColumn: 'text', labelColumns: ['label'], texts: lines.map((l) => l.text), labels: { label: lines.map((l) => l.label) } };
  const ws = await openPlatformWorkspace(settings);
  try {
    for (const seed of [1, 2, 3]) {
      const run = await runTraining({ rows, labelColumn: 'label', kind: 'fasttext', seed, upsample: false, threads: 1, validFraction: 0.1, params: { epochs: 3, dim: 16, buckets: 65_536 } });
      const v = await ws.registerModelVersion({ name: MODEL, artifactBytes: run.bytes, actor: 'trainer' });
      await saveReferenceProfile(settings, { ...run, sha256: v.artifactSha256 }, { model: MODEL, version: String(v.version) });
    }
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
  return { home, lines };
}

export function uiSettings(home: string, overrides: Partial<UiSettings> = {}): UiSettings {
  return { home, registryUrl: undefined, registrySchema: 'public', port: 0, host: '127.0.0.1', token: TOKEN, protectPredictions: false, maxBodyKb: 1024, ...overrides };
}

/** What the registry says, read from a fresh connection (not through the server under test). */
export async function registryState(home: string, registry: RegistryAt = { registryUrl: undefined, registrySchema: 'public' }) {
  const ws = await openPlatformWorkspace({ home, ...registry });
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
