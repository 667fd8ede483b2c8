import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { makeContext, type Verb } from '../../src/cli/context.js';
import { verb as evalVerb } from '../../src/cli/eval.js';
import { verb as models } from '../../src/cli/models.js';
import { decodeArtifact } from '../../src/models/artifact.js';
import { loadModel } from '../../src/models/load-model.js';
import type { EvalReport } from '../../src/training/evaluate.js';
import { runTraining, type TrainRunResult } from '../../src/training/train-run.js';
import { FIXTURE_CLASSES, mixedRows, tempDir, trainFixtureModel, writeFixtureCsv } from './model-fixture.js';


const trainRows = mixedRows(1200, 5);
const testRows = mixedRows(600, 11);
const rows = { textColumn: 'text', labelColumns: ['label'], texts: trainRows.map((r) => r.text), labels: { label: trainRows.map((r) => r.label) } };
const options = { rows, labelColumn: 'label', kind: 'linear', seed: 3, upsample: false, params: {}, validFraction: 0.2 };
let dir = '';
let run: TrainRunResult;
let modelPath = '';
let dataPath = '';

before(async () => {
  dir = tempDir('thresholds');
  run = await runTraining({ ...options, threads: 2 });
  modelPath = join(dir, 'model.lading');
  writeFileSync(modelPath, run.bytes);
  dataPath = writeFixtureCsv(dir, 'test.csv', testRows);
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function runVerb(v: Verb, argv: string[]): Promise<string> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const code = await v.run(makeContext({ argv, stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: {}, isTTY: false, signal: new AbortController().signal }));
  assert.equal(code, 0);
  return out;
}

test('training stores the calibration and the thresholds fitted on the validation part in the artifact, the same for any thread count', async () => {
  const t = run.meta.thresholds!;
  assert.equal(t.fittedOn, 'validation');
  assert.equal(t.rows, run.validRows);
  assert.deepEqual(t.points.map((p) => p.target), [0.95, 0.98, 0.99]);
  const p95 = t.points[0]!;
  assert.ok(p95.threshold !== null && p95.validPrecision! >= p95.lowerBound! && p95.lowerBound! >= 0.95, JSON.stringify(p95));
  assert.ok(p95.validCoverage > 0.3 && p95.validCoverage < 0.95, 'the mixed texts are left to a person');
  assert.equal(run.meta.metrics['autoThreshold95'], p95.threshold);
  assert.equal(run.meta.metrics['expectedAutomation95'], p95.validCoverage);
  assert.equal(run.meta.calibration?.method, 'top1-logistic');
  const header = decodeArtifact(run.bytes, 'model').header;
  assert.deepEqual([header.thresholds, header.calibration], [run.meta.thresholds, run.meta.calibration]);
  assert.ok(run.bytes.equals((await runTraining({ ...options, threads: 1 })).bytes), 'byte-identical with 1 thread');

  // Serving applies the calibration the training applied.
  const loaded = await loadModel(modelPath);
  const texts = testRows.slice(0, 50).map((r) => r.text);
  const k = FIXTURE_CLASSES.length;
  const [served, trained] = [new Float32Array(50 * k), new Float32Array(50 * k)];
  loaded.classifier.predictProba(texts, served);
  run.classifier.predictProba(texts, trained);
  assert.deepEqual(served, trained);
});

test('eval reports the precision and coverage the stored thresholds really give on the file, beside the optimistic ones', async () => {
  const doc = JSON.parse(await runVerb(evalVerb, ['--model', modelPath, '--data', dataPath, '--label', 'label', '--json'])) as { report: EvalReport };
  const stored = doc.report.storedThresholds!;
  assert.equal(stored.fittedOnRows, run.validRows);
  const loaded = await loadModel(modelPath);
  const k = FIXTURE_CLASSES.length;
  const proba = new Float32Array(testRows.length * k);
  loaded.classifier.predictProba(testRows.map((r) => r.text), proba);
  for (const [i, p] of stored.points.entries()) {
    const want = run.meta.thresholds!.points[i]!;
    assert.deepEqual([p.target, p.threshold, p.expectedCoverage], [want.target, want.threshold, want.validCoverage]);
    let rows = 0;
    let hits = 0;
    for (let r = 0; r < testRows.length; r++) {
      const row = Array.from(proba.subarray(r * k, r * k + k));
      const top = row.indexOf(Math.max(...row));
      if (want.threshold !== null && row[top]! >= want.threshold) { rows++; if (loaded.classifier.labels[top] === testRows[r]!.label) hits++; }
    }
    assert.deepEqual([p.rows, p.coverage, p.precision], [rows, rows / testRows.length, rows > 0 ? hits / rows : null], `target ${p.target}`);
  }
  const text = await runVerb(evalVerb, ['--model', modelPath, '--data', dataPath, '--label', 'label']);
  assert.match(text, new RegExp(`thresholds stored at training time \\(fitted on ${run.validRows} validation rows`));
  assert.match(text, /Thresholds fitted on this file itself \(optimistic/);
});

test('an artifact without stored thresholds still evaluates, and says none are stored', async () => {
  const older = await trainFixtureModel(dir, 'fasttext');
  const doc = JSON.parse(await runVerb(evalVerb, ['--model', older, '--data', dataPath, '--label', 'label', '--json'])) as { report: EvalReport };
  assert.equal(doc.report.storedThresholds, null);
  assert.equal(doc.report.coverage.length, 3);
  const text = await runVerb(evalVerb, ['--model', older, '--data', dataPath, '--label', 'label']);
  assert.match(text, /stored thresholds: none stored/);
});

test('lading models show names the stored thresholds and the automation they promise', async () => {
  const home = ['--home', join(dir, 'home')];
  await runVerb(models, ['register', 'hs', modelPath, ...home]);
  const shown = await runVerb(models, ['show', 'hs@1', ...home]);
  const p95 = run.meta.thresholds!.points[0]!;
  assert.ok(shown.includes(`95% precision: confidence >= ${p95.threshold!.toFixed(4)}, ${(100 * p95.validCoverage).toFixed(1)}% automated on validation`), shown);
});
