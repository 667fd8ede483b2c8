import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { verb } from '../../src/cli/eval.js';
import { makeContext } from '../../src/cli/context.js';
import { ArtifactError, InputError, NotFoundError } from '../../src/core/errors.js';
import { loadModel } from '../../src/models/load-model.js';
import { openEmbeddedWorkspace } from '../../src/platform/index.js';
import { argmaxRows } from '../../src/serving/rows.js';
import { checkDecisions, type DecisionCheck } from '../../src/training/decision-check.js';
import { evaluate, type EvalReport } from '../../src/training/evaluate.js';
import { runTraining } from '../../src/training/train-run.js';
import { FIXTURE_CLASSES, fixtureRows, tempDir, trainFixtureModel, writeFixtureCsv } from '../training/model-fixture.js';

let dir = '';
let modelPath = '';
let dataPath = '';
const rows = fixtureRows(600, 3);
// Two labels the model never saw.
rows[5]!.label = '999999';
rows[6]!.label = '392300';

before(async () => {
  dir = tempDir('cli-eval');
  modelPath = await trainFixtureModel(dir, 'fasttext');
  dataPath = writeFixtureCsv(dir, 'test.csv', rows);
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function runEval(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (c: Buffer) => out.push(c.toString()));
  stderr.on('data', (c: Buffer) => err.push(c.toString()));
  const code = await verb.run(makeContext({ argv, stdout, stderr, stdin: new PassThrough(), env: {}, isTTY: false, signal: new AbortController().signal }));
  return { code, stdout: out.join(''), stderr: err.join('') };
}

test('--json gives the same report as evaluating the model directly, whatever the thread count', async () => {
  const one = await runEval(['--model', modelPath, '--data', dataPath, '--label', 'label', '--json', '--threads', '1']);
  const two = await runEval(['--model', modelPath, '--data', dataPath, '--label', 'label', '--json', '--threads', '2']);
  assert.equal(one.code, 0);
  const doc = JSON.parse(one.stdout) as { report: EvalReport; model: { kind: string; sha256: string }; data: { rows: number }; unknownLabels: unknown[] };
  assert.deepEqual(JSON.parse(two.stdout), doc);
  assert.equal(one.stderr, '', 'no progress in --json mode');

  const model = await loadModel(modelPath);
  const labels = model.classifier.labels;
  const proba = new Float32Array(rows.length * labels.length);
  model.classifier.predictProba(rows.map((r) => r.text), proba);
  const expected = evaluate({ labels, yTrue: Int32Array.from(rows, (r) => labels.indexOf(r.label)), proba, trueLabels: rows.map((r) => r.label) });
  assert.deepEqual(doc.report, JSON.parse(JSON.stringify(expected)));
  assert.equal(doc.model.kind, 'fasttext');
  assert.equal(doc.model.sha256, model.fileSha256);
  assert.equal(doc.data.rows, 600);
  assert.equal(doc.report.unknownLabelRows, 2);
  assert.deepEqual(doc.unknownLabels, [{ label: '392300', count: 1 }, { label: '999999', count: 1 }]);
  assert.deepEqual(doc.report.levels, [2, 4, 6]);
  assert.ok(doc.report.accuracy > 0.9 && doc.report.accuracy <= 598 / 600, `accuracy ${doc.report.accuracy}`);
});

test('the readable report shows headline, hierarchy, coverage, calibration, worst classes and unknown labels', async () => {
  const { code, stdout } = await runEval(['--model', modelPath, '--data', dataPath, '--label', 'label', '--levels', '2,4']);
  assert.equal(code, 0);
  for (const part of ['accuracy', 'macro-F1', 'top-3 accuracy', 'ECE', 'Hierarchical accuracy', '2 digits', 'Thresholds fitted on this file itself',
    'Calibration', 'Worst', 'never saw', '999999']) {
    assert.ok(stdout.includes(part), `report lacks "${part}":\n${stdout}`);
  }
  assert.ok(!stdout.includes('6 digits'), '--levels 2,4 replaces the automatic levels');
  assert.match(stdout, /unknown labels\s+2 rows/);
  const all = await runEval(['--model', modelPath, '--data', dataPath, '--label', 'label', '--all']);
  for (const c of FIXTURE_CLASSES) assert.ok(all.stdout.includes(c.label));
  assert.match(all.stdout, /Per class \(6 present/);
});

test('--help, and bad input raises InputError / ArtifactError naming the problem', async () => {
  const help = await runEval(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: lading eval --model PATH --data FILE --label COL/);
  await assert.rejects(runEval(['--data', dataPath, '--label', 'label']),
    (e: unknown) => e instanceof InputError && e.code === 'missing-flag' && e.facts['flag'] === '--model');
  await assert.rejects(runEval(['--model', modelPath, '--data', join(dir, 'nope.csv'), '--label', 'label']),
    (e: unknown) => e instanceof InputError && e.code === 'file-not-found');
  await assert.rejects(runEval(['--model', modelPath, '--data', dataPath, '--label', 'label', '--levels', '2,x']),
    (e: unknown) => e instanceof InputError && e.facts['flag'] === '--levels');
  await assert.rejects(runEval(['--model', modelPath, '--data', dataPath, '--label', 'nope']),
    (e: unknown) => e instanceof InputError && e.facts['column'] === 'nope');
  const headerOnly = join(dir, 'header-only.csv');
  writeFileSync(headerOnly, 'text,label\n');
  await assert.rejects(runEval(['--model', modelPath, '--data', headerOnly, '--label', 'label']),
    (e: unknown) => e instanceof InputError && e.facts['file'] === headerOnly);
  const notModel = join(dir, 'not-a-model.lading');
  writeFileSync(notModel, 'hello');
  await assert.rejects(runEval(['--model', notModel, '--data', dataPath, '--label', 'label', '--threads', '2']),
    (e: unknown) => e instanceof ArtifactError && e.code === 'artifact-not-lading');
});

test('--model takes a registered model (NAME@VERSION, NAME@ALIAS) and reports it by name and version', async () => {
  const home = join(dir, 'registry-home');
  const ws = openEmbeddedWorkspace(home);
  try {
    await ws.registerModelVersion({ name: 'hs', artifactPath: modelPath, actor: 'test' });
    await ws.setAlias({ name: 'hs', alias: 'staging', version: 1, actor: 'test' });
  } finally {
    ws.close();
  }
  const fromFile = JSON.parse((await runEval(['--model', modelPath, '--data', dataPath, '--label', 'label', '--json'])).stdout) as { report: unknown; model: Record<string, unknown> };
  for (const ref of ['hs@1', 'hs@staging']) {
    const r = await runEval(['--model', ref, '--data', dataPath, '--label', 'label', '--json', '--home', home]);
    const doc = JSON.parse(r.stdout) as { report: unknown; model: Record<string, unknown> };
    assert.deepEqual(doc.report, fromFile.report, ref);
    assert.deepEqual([doc.model['name'], doc.model['version'], doc.model['sha256'], doc.model['ref']], ['hs', 1, fromFile.model['sha256'], ref]);
  }
  const text = await runEval(['--model', 'hs@1', '--data', dataPath, '--label', 'label', '--home', home]);
  assert.match(text.stdout, /^model hs version 1 \(fasttext, sha256 /);
  await assert.rejects(runEval(['--model', 'hs@champion', '--data', dataPath, '--label', 'label', '--home', home]), (e: unknown) =>
    e instanceof NotFoundError && e.code === 'model-not-found' && e.message.includes('is not a file') && e.message.includes('no alias "champion"'));
});

test('decide or route: per target, the automation expected from the validation rows beside what this file gets; --target-precision picks one', async () => {
  const train = fixtureRows(600, 7);
  const trained = await runTraining({
    rows: { textColumn: 'text', labelColumns: ['label'], texts: train.map((r) => r.text), labels: { label: train.map((r) => r.label) } },
    labelColumn: 'label', kind: 'fasttext', seed: 1, upsample: false, threads: 1, validFraction: 0.2, params: { dim: 16, buckets: 1 << 16, epochs: 5 },
  });
  const deciding = join(dir, 'deciding.lading');
  writeFileSync(deciding, trained.bytes);
  const all = await runEval(['--model', deciding, '--data', dataPath, '--label', 'label', '--json', '--threads', '1']);
  const doc = JSON.parse(all.stdout) as { decision: DecisionCheck[] };
  assert.deepEqual(doc.decision.map((d) => d.target), [0.95, 0.98, 0.99]);
  const model = await loadModel(deciding);
  const labels = model.classifier.labels;
  const proba = new Float32Array(rows.length * labels.length);
  model.classifier.predictProba(rows.map((r) => r.text), proba);
  const { ids, scores } = argmaxRows(proba, labels.length);
  const expected = checkDecisions(model.decisionEvidence!, labels.length, [0.95, 0.98, 0.99], { topIds: ids, topScores: scores, yTrue: Int32Array.from(rows, (r) => labels.indexOf(r.label)) });
  assert.deepEqual(doc.decision, JSON.parse(JSON.stringify(expected)));
  assert.ok(doc.decision[0]!.expectedCoverage > 0 && doc.decision[0]!.coverage! > 0, JSON.stringify(doc.decision[0]));

  const one = await runEval(['--model', deciding, '--data', dataPath, '--label', 'label', '--threads', '1', '--target-precision', '0.9']);
  assert.equal(one.code, 0);
  assert.match(one.stdout, /Decide or route \(per-class thresholds fitted on \d+ rows: \d+ training rows scored out of 5 folds and \d+ validation rows; measured on this file\):\n {2}target 0\.9: expected \d+\.\d% automated at \d+\.\d% precision; here \d+\.\d% automated \(\d+ rows\) at \d+\.\d% precision/);
  assert.doesNotMatch(one.stdout, /target 0\.98/);
  await assert.rejects(runEval(['--model', deciding, '--data', dataPath, '--label', 'label', '--target-precision', '1.5']),
    (e: unknown) => e instanceof InputError && /^targetPrecision must be a precision strictly between 0 and 1, e\.g\. 0\.98, got 1\.5 \(from flag --target-precision\)$/.test(e.message));

  // A model trained before decide-or-route (no stored rows) says so.
  const old = JSON.parse((await runEval(['--model', modelPath, '--data', dataPath, '--label', 'label', '--json', '--threads', '1'])).stdout) as { decision: unknown };
  assert.equal(old.decision, null);
  assert.match((await runEval(['--model', modelPath, '--data', dataPath, '--label', 'label', '--threads', '1'])).stdout, /stores no validation rows .* every answer would be "review"/);
});
