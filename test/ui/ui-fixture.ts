import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DeploymentControl } from '../../src/lifecycle/deployment-control.js';
import { openPlatformWorkspace, type UiSettings } from '../../src/platform/index.js';
import { generateInvoiceLines } from '../../src/demo/invoice-lines.js';
import { saveReferenceProfile } from '../../src/platform/index.js';
import { runTraining } from '../../src/training/train-run.js';
import { currentOwner } from '../../src/lifecycle/pipeline/run-owner.js';
import { openPipelineStore } from '../../src/platform/pipelines.js';

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

export const PIPELINE = 'hs-retrain';

/**
 * Two finished runs of pipeline hs-retrain in the workspace's pipeline store, written through the
 * store as the controller writes them (a real run trains for minutes): one whose candidate (v3)
 * passed the gates and was released, then one gated by the accuracy margin.
 */
export async function seedPipelineRuns(home: string, registry: RegistryAt = { registryUrl: undefined, registrySchema: 'public' }): Promise<void> {
  const store = await openPipelineStore({ home, ...registry });
  try {
    const t0 = Date.now() - 3_600_000;
    const step = (name: string, at: number, seconds: number, detail: string | null) => ({ name, startedAt: at, finishedAt: at + seconds * 1000, detail });
    const passed = await store.startRun({ pipeline: PIPELINE, trigger: 'cron', actor: 'controller', owner: currentOwner(), now: t0 });
    await store.recordProgress(passed.id, {
      now: t0 + 60_000, dataset: 'ds-pipeline-hs-retrain-1', candidate: `${MODEL}@3`,
      steps: [step('data', t0, 2, '1,500 rows (ds-pipeline-hs-retrain-1)'), step('train:fasttext', t0 + 2000, 30, 'macroF1 0.896'), step('register', t0 + 32_000, 1, `${MODEL}@3`), step('gates', t0 + 33_000, 5, 'passed'), step('release', t0 + 38_000, 1, 'release 1 started')],
    });
    await store.finishRun(passed.id, { status: 'succeeded', now: t0 + 40_000, watermark: { feedbackId: 0, feedbackCount: 0 } });
    const t1 = t0 + 1_800_000;
    const gated = await store.startRun({ pipeline: PIPELINE, trigger: 'new-labels', actor: 'controller', owner: currentOwner(), now: t1 });
    await store.recordProgress(gated.id, {
      now: t1 + 40_000, dataset: 'ds-pipeline-hs-retrain-2', candidate: `${MODEL}@2`,
      steps: [step('data', t1, 2, '1,620 rows (ds-pipeline-hs-retrain-2)'), step('train:fasttext', t1 + 2000, 30, 'macroF1 0.874'), step('register', t1 + 32_000, 1, `${MODEL}@2`), step('gates', t1 + 33_000, 5, 'failed: accuracy 0.931 is below the champion 0.979 - margin 0.01')],
    });
    await store.finishRun(gated.id, { status: 'gated', now: t1 + 40_000, error: 'the candidate did not pass the gates', watermark: { feedbackId: 0, feedbackCount: 0 } });
  } finally {
    await store.close();
  }
}

const BIN = fileURLToPath(new URL('../../../bin/lading.js', import.meta.url));

/** What `lading pipeline run NAME --json` prints, as far as the tests read it. */
export interface PipelineRunOutput {
  readonly run: { readonly id: string; readonly status: string; readonly trigger: string; readonly candidate: string | null; readonly steps: ReadonlyArray<{ readonly name: string; readonly detail: string | null }> };
}

/**
 * One run of pipeline hs-retrain, as a person runs it: a lading.yaml beside the workspace naming
 * `home`, `lading data import` of 400 labelled invoice lines, then `lading pipeline run hs-retrain
 * --json`, each a real child process. A small fastText (2 epochs, dim 16) keeps it to seconds. Its
 * gates hold a size budget no fastText with 65,536 buckets meets, so the run ends `gated` with the
 * verdict saying why (endpoint hs is mid-canary: a candidate that passed could not start a release).
 */
export async function runPipelineForReal(home: string, lines: ReadonlyArray<{ text: string; label: string }>): Promise<PipelineRunOutput> {
  const dir = mkdtempSync(join(tmpdir(), 'lading-ui-pipeline-'));
  const project = join(dir, 'lading.yaml');
  writeFileSync(project, `home: ${JSON.stringify(home)}
pipelines:
  ${PIPELINE}:
    endpoint: ${ENDPOINT}
    model: ${MODEL}
    data: { dataset: hs-lines }
    train:
      - kind: fasttext
        params: { epochs: 2, dim: 16, buckets: 65536 }
    gates: { budgets: { artifactMb: 0.05 } }
`);
  const csv = join(dir, 'hs-lines.csv');
  const quote = (x: string) => `"${x.replaceAll('"', '""')}"`;
  writeFileSync(csv, `text,label\n${lines.slice(0, 400).map((l) => `${quote(l.text)},${quote(l.label)}`).join('\n')}\n`);
  const lading = promisify(execFile);
  await lading(process.execPath, [BIN, 'data', 'import', csv, '--label', 'label', '--project', project]);
  const { stdout } = await lading(process.execPath, [BIN, 'pipeline', 'run', PIPELINE, '--json', '--actor', 'erin', '--project', project]);
  return JSON.parse(stdout) as PipelineRunOutput;
}
