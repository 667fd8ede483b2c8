import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { verb as importVerb } from '../../../src/cli/import-onnx.js';
import { InputError } from '../../../src/core/errors.js';
import { loadModel } from '../../../src/models/load-model.js';
import { importOnnx } from '../../../src/models/onnx/import-onnx.js';
import { runVerb } from '../../helpers/run-cli.js';

// Written by scripts/make-onnx-fixture.py with PyTorch (dist/test/models/onnx -> test/fixtures/onnx).
const FIXTURE = fileURLToPath(new URL('../../../../test/fixtures/onnx/', import.meta.url));
const MODEL = join(FIXTURE, 'mean-embedding.onnx');
const LABELS = join(FIXTURE, 'labels.txt');
const expected = JSON.parse(readFileSync(join(FIXTURE, 'expected.json'), 'utf8')) as { texts: string[]; probabilities: number[][] };

function specVariant(dir: string, change: Record<string, unknown>): string {
  const spec = { ...(JSON.parse(readFileSync(join(FIXTURE, 'tokenizer.json'), 'utf8')) as Record<string, unknown>), ...change };
  copyFileSync(join(FIXTURE, 'vocab.txt'), join(dir, 'vocab.txt'));
  const path = join(dir, `spec-${Object.keys(change).join('-')}.json`);
  writeFileSync(path, JSON.stringify(spec));
  return path;
}

test('the PyTorch fixture imports and predicts what PyTorch recorded', async () => {
  const imported = await importOnnx({ modelPath: MODEL, specPath: join(FIXTURE, 'tokenizer.json'), labelsPath: LABELS });
  const classes = imported.meta.labels.length;
  const proba = new Float32Array(expected.texts.length * classes);
  await imported.classifier.predictProbaAsync(expected.texts, proba);
  expected.probabilities.forEach((row, i) => row.forEach((p, c) => assert.ok(Math.abs(proba[i * classes + c]! - p) < 1e-5, `text ${i} class ${c}: ${proba[i * classes + c]} vs ${p}`)));
  assert.throws(() => imported.classifier.predictProba(expected.texts, proba), /predictProbaAsync/);
});

test('import-onnx writes an artifact that loads as kind onnx and predicts the same', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-onnx-'));
  try {
    const out = join(dir, 'model.lading');
    const run = await runVerb(importVerb, [MODEL, '--tokenizer', join(FIXTURE, 'tokenizer.json'), '--labels', LABELS, '--out', out, '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { classes: number }).classes, 3);
    const model = await loadModel(out);
    assert.equal(model.header.kind, 'onnx');
    const proba = new Float32Array(expected.texts.length * 3);
    await model.classifier.predictProbaAsync!(expected.texts, proba);
    expected.probabilities.forEach((row, i) => row.forEach((p, c) => assert.ok(Math.abs(proba[i * 3 + c]! - p) < 1e-5)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('import-onnx --register keeps the bytes in memory: the registered version holds what --out writes; the same import again is refused unless --force', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-onnx-register-'));
  try {
    const base = [MODEL, '--tokenizer', join(FIXTURE, 'tokenizer.json'), '--labels', LABELS];
    const home = ['--home', join(dir, 'home'), '--actor', 'ana'];
    const out = join(dir, 'model.lading');
    const written = await runVerb(importVerb, [...base, '--out', out, '--json']);
    assert.equal(written.code, 0, written.stderr);
    const r = await runVerb(importVerb, [...base, '--register', 'imported', ...home, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { artifact?: string; sha256: string; stored: string; registered: { name: string; version: number; approval: string } };
    assert.equal(s.artifact, undefined, 'no file outside the workspace');
    assert.deepEqual(s.registered, { name: 'imported', version: 1, approval: 'pending' });
    assert.equal(s.sha256, (JSON.parse(written.stdout) as { sha256: string }).sha256);
    assert.deepEqual(readFileSync(s.stored), readFileSync(out));
    const again = await runVerb(importVerb, [...base, '--register', 'imported', ...home]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /imported already has these bytes as version 1/);
    const forced = await runVerb(importVerb, [...base, '--register', 'imported', '--force', ...home, '--json']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal((JSON.parse(forced.stdout) as { registered: { version: number } }).registered.version, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a wrong input name, dtype, sequence length, output or label count is refused at import and writes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-onnx-'));
  try {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ inputName: 'ids' }, /no input "ids"; its inputs are: input_ids/],
      [{ dtype: 'int32' }, /takes int64; the tokenizer spec says int32/],
      [{ outputName: 'scores' }, /no output "scores"; its outputs are: logits/],
      [{ maxLength: 'long' }, /"maxLength" must be an integer/],
      [{ unkId: 999 }, /unkId 999 is outside the vocabulary/],
      [{ bagMinN: 3, bagMaxN: 5 }, /no input "bag_ids", "bag_pos", "bag_weight", which the tokenizer spec's n-gram bag/],
      [{ bagMinN: 4, bagMaxN: 3 }, /"bagMinN" must be between 1 and bagMaxN/],
    ];
    for (const [change, message] of cases) {
      const specPath = specVariant(dir, change);
      await assert.rejects(importOnnx({ modelPath: MODEL, specPath, labelsPath: LABELS }), (e: unknown) => e instanceof InputError && message.test(e.message), JSON.stringify(change));
    }
    const twoLabels = join(dir, 'two.txt');
    writeFileSync(twoLabels, 'a\nb\n');
    await assert.rejects(importOnnx({ modelPath: MODEL, specPath: join(FIXTURE, 'tokenizer.json'), labelsPath: twoLabels }), /dummy batch/);
    const out = join(dir, 'never.lading');
    const run = await runVerb(importVerb, [MODEL, '--tokenizer', specVariant(dir, { inputName: 'ids' }), '--labels', LABELS, '--out', out]);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /no input "ids"/);
    assert.equal(existsSync(out), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an imported PyTorch model is served through the same runtime and protocols as a native one', async () => {
  const { createApp } = await import('../../../src/server/app.js');
  const { FileModelSource } = await import('../../../src/serving/model-source.js');
  const { ServingPlane } = await import('../../../src/serving/serving-plane.js');
  const { singleDeployment } = await import('../../../src/serving/deployment.js');
  const dir = mkdtempSync(join(tmpdir(), 'lading-onnx-serve-'));
  const artifact = join(dir, 'imported.lading');
  const imported = await importOnnx({ modelPath: MODEL, specPath: join(FIXTURE, 'tokenizer.json'), labelsPath: LABELS });
  writeFileSync(artifact, imported.bytes);
  const plane = new ServingPlane(new FileModelSource(), { threads: 1, maxDelayMs: 2 });
  try {
    await plane.deploy(singleDeployment('imported', artifact));
    const app = createApp({ plane });
    const r = await app.request('/v2/models/imported/infer', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'x1', inputs: [{ name: 'text', shape: [2], datatype: 'BYTES', data: expected.texts.slice(0, 2) }], outputs: [{ name: 'label' }, { name: 'probabilities' }] }),
    });
    assert.equal(r.status, 200, await r.clone().text());
    const body = (await r.json()) as { id: string; outputs: Array<{ name: string; data: Array<string | number> }> };
    assert.equal(body.id, 'x1');
    assert.deepEqual(body.outputs.find((o) => o.name === 'label')!.data, ['3924', '6109']);
    const probabilities = body.outputs.find((o) => o.name === 'probabilities')!.data as number[];
    expected.probabilities.slice(0, 2).flat().forEach((p, i) => assert.ok(Math.abs(probabilities[i]! - p) < 1e-5));
  } finally {
    await plane.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('import-onnx --reference-data stores a reference profile from the scored rows; rows with labels the model lacks are left out and counted; a bad column stores nothing', async () => {
  const { verb: monitorVerb } = await import('../../../src/cli/monitor.js');
  const dir = mkdtempSync(join(tmpdir(), 'lading-onnx-profile-'));
  try {
    const home = ['--home', join(dir, 'home')];
    const rows = [
      ['100 CTNS X 50 PCS PLASTIC CUPS', '3924'], ['plastic kitchen bowls set', '3924'], ['Cotton T-shirt, knitted', '6109'],
      ['cotton vest top', '6109'], ['wireless ROUTER model x2', '8517'], ['mobile phone handset', '8517'], ['steel bolts', '7318'],
    ];
    const csv = join(dir, 'reference.csv');
    writeFileSync(csv, `description,hs\n${rows.map(([t, l]) => `"${t}",${l}`).join('\n')}\n`);
    const base = [MODEL, '--tokenizer', join(FIXTURE, 'tokenizer.json'), '--labels', LABELS];

    const bad = await runVerb(importVerb, [...base, '--register', 'hs-onnx', '--reference-data', csv, '--text', 'description', '--label', 'nope', ...home]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /nope/);
    const models = await runVerb((await import('../../../src/cli/models.js')).verb, ['list', ...home, '--json']);
    assert.doesNotMatch(models.stdout, /hs-onnx/, 'a bad reference file registers nothing');

    const run = await runVerb(importVerb, [...base, '--register', 'hs-onnx', '--reference-data', csv, '--text', 'description', '--label', 'hs', ...home, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as { sha256: string; referenceProfile: { rows: number; unknownLabelRows: number; unknownLabels: string[] } };
    assert.deepEqual(summary.referenceProfile.rows, 6);
    assert.deepEqual([summary.referenceProfile.unknownLabelRows, summary.referenceProfile.unknownLabels], [1, ['7318']]);

    const profile = await runVerb(monitorVerb, ['profile', 'hs-onnx@1', ...home, '--json']);
    assert.equal(profile.code, 0, profile.stderr);
    const p = JSON.parse(profile.stdout) as { rows: number; labels: number; validationAccuracy: number; vocabulary: number };
    assert.equal(p.rows, 6);
    assert.equal(p.labels, 3);
    assert.equal(p.validationAccuracy, 1, 'the fixture model gets its own kind of rows right');
    assert.ok(p.vocabulary > 20, 'out-of-vocabulary is measured against the tokenizer\'s vocabulary');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
