import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import type { DatasetRows } from '../../src/core/dataset.js';
import { ConflictError, InputError, InterruptedError } from '../../src/core/errors.js';
import { sha256Hex } from '../../src/core/hash.js';
import { decodeArtifact } from '../../src/models/artifact.js';
import { openEmbeddedWorkspace } from '../../src/platform/index.js';
import { registerArtifact } from '../../src/registry/register-artifact.js';
import { runTrainingPipeline } from '../../src/training/pipeline.js';
import type { ProducedArtifact } from '../../src/training/register-step.js';
import { runTraining } from '../../src/training/train-run.js';
import { TRAINABLE_KIND_NAMES, trainableKind } from '../../src/training/trainable-kinds.js';
import { fixtureRows, tempDir } from './model-fixture.js';

const fixture = fixtureRows(400, 3);
const rows: DatasetRows = { textColumn: 'text', labelColumns: ['label'], texts: fixture.map((r) => r.text), labels: { label: fixture.map((r) => r.label) } };
const options = { rows, labelColumn: 'label', kind: 'linear', seed: 3, upsample: false, threads: 1, params: {}, validFraction: 0.1 } as const;

test('the pipeline trains from a stored dataset version and registers the bytes it produced, in memory', async () => {
  const home = tempDir('pipeline');
  const ws = openEmbeddedWorkspace(home);
  try {
    const { version: dataset } = await ws.saveDataset(rows, { file: 'fixture.csv', format: 'csv' });
    const stored = await ws.loadDatasetRows(dataset.id);
    const phases = new Set<string>();
    const seen: ProducedArtifact[] = [];
    const run = await runTrainingPipeline({
      ...options, rows: stored, dataset, onProgress: (p) => phases.add(p.phase),
      register: (a) => { seen.push(a); return registerArtifact(ws, { name: 'fixture', artifactBytes: a.bytes, actor: 'pipeline-test' }); },
    });
    assert.ok(phases.size > 0, 'progress was reported');
    assert.equal(run.sha256, sha256Hex(run.bytes));
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.bytes, run.bytes, 'the register step got the very bytes the pipeline returns');
    assert.equal(run.registered?.version, 1);
    assert.equal(run.registered?.artifactSha256, run.sha256);
    assert.equal(run.registered?.datasetId, dataset.id);
    assert.deepEqual(run.registered?.metrics, run.meta.metrics);
    assert.deepEqual(Buffer.from(await ws.readModelArtifact(run.registered!)), run.bytes);
    assert.ok(run.meta.metrics['validAccuracy']! > 0.9, `validation accuracy ${run.meta.metrics['validAccuracy']}`);
    assert.equal(decodeArtifact(run.bytes, 'pipeline').header.training.datasetId, dataset.id);
    // Same inputs, no register step: the same bytes as the bare training run, nothing registered.
    const bare = await runTrainingPipeline({ ...options, rows: stored, dataset });
    assert.equal(bare.registered, undefined);
    assert.equal(bare.sha256, run.sha256);
    assert.equal(sha256Hex((await runTraining({ ...options, rows: stored, dataset })).bytes), run.sha256);
    // Registering the same bytes again is refused unless forced.
    const again = () => runTrainingPipeline({ ...options, rows: stored, dataset, register: (a) => registerArtifact(ws, { name: 'fixture', artifactBytes: a.bytes, actor: 'pipeline-test' }) });
    await assert.rejects(again(), (e: unknown) => e instanceof ConflictError && /fixture already has these bytes as version 1/.test(e.message));
    assert.deepEqual((await ws.listModelVersions('fixture')).map((v) => v.version), [1]);
  } finally {
    ws.close();
    rmSync(home, { recursive: true, force: true });
  }
});

test('a pipeline stopped while it trains registers nothing', async () => {
  const controller = new AbortController();
  let called = false;
  await assert.rejects(
    runTrainingPipeline({ ...options, signal: controller.signal, onProgress: () => controller.abort(), register: async () => { called = true; return 1; } }),
    (e: unknown) => e instanceof InterruptedError,
  );
  assert.equal(called, false);
});

test('only trainable kinds are trained; onnx is pointed at import-onnx', async () => {
  assert.ok(!TRAINABLE_KIND_NAMES.includes('onnx'));
  assert.ok(TRAINABLE_KIND_NAMES.includes('linear') && TRAINABLE_KIND_NAMES.includes('fasttext'));
  await assert.rejects(trainableKind('onnx'), (e: unknown) => e instanceof InputError && e.code === 'kind-not-trainable' && /import-onnx/.test(e.hint ?? ''));
  await assert.rejects(runTrainingPipeline({ ...options, kind: 'onnx' }), (e: unknown) => e instanceof InputError && e.code === 'kind-not-trainable');
  await assert.rejects(trainableKind('svm'), (e: unknown) => e instanceof InputError && e.message === `unknown model kind "svm"; trainable kinds: ${TRAINABLE_KIND_NAMES.join(', ')}`);
});
