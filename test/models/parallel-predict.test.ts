import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArtifactError, InputError } from '../../src/core/errors.js';
import { MODEL_KIND_NAMES } from '../../src/models/kinds.js';
import { loadModel } from '../../src/models/load-model.js';
import { ParallelPredictor, predictProbaParallel } from '../../src/models/parallel-predict.js';
import { fixtureRows, tempDir, trainFixtureModel } from '../training/model-fixture.js';

let dir = '';
let modelPath = '';
before(async () => {
  dir = tempDir('parallel-predict');
  modelPath = await trainFixtureModel(dir, 'fasttext');
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('two worker threads give exactly the single-thread probabilities, in input order', async () => {
  const texts = fixtureRows(1500, 5).map((r) => r.text);
  const model = await loadModel(modelPath);
  const expected = new Float32Array(texts.length * model.classifier.labels.length);
  model.classifier.predictProba(texts, expected);
  const one = await predictProbaParallel(modelPath, texts, 1);
  const two = await predictProbaParallel(modelPath, texts, 2);
  assert.deepEqual(one, expected);
  assert.ok(two.buffer instanceof SharedArrayBuffer);
  assert.deepEqual(new Float32Array(two), expected);
  const empty = await predictProbaParallel(modelPath, [], 2);
  assert.equal(empty.length, 0);
});

test('a predictor serves several batches, concurrently, with explanations, until closed', async () => {
  const predictor = await ParallelPredictor.open(modelPath, 2);
  try {
    assert.equal(predictor.kind, 'fasttext');
    assert.equal(predictor.threadCount, 2);
    const a = fixtureRows(700, 11).map((r) => r.text);
    const b = fixtureRows(300, 12).map((r) => r.text);
    const [pa, pb] = await Promise.all([predictor.predictProba(a), predictor.predictProba(b)]);
    const local = (await loadModel(modelPath)).classifier;
    const ea = new Float32Array(pa.length);
    local.predictProba(a, ea);
    const eb = new Float32Array(pb.length);
    local.predictProba(b, eb);
    assert.deepEqual(new Float32Array(pa), ea);
    assert.deepEqual(new Float32Array(pb), eb);
    const ids = Int32Array.from(b.map((_, i) => i % 4));
    const explained = await predictor.explain(b, ids, 3);
    assert.deepEqual(explained, b.map((t, i) => local.explain(t, ids[i]!, 3)));
  } finally {
    await predictor.close();
  }
  await assert.rejects(predictor.predictProba(['x']), /closed/);
});

test('every registered, trainable model kind predicts identically on one and two threads', async (t) => {
  const texts = fixtureRows(700, 13).map((r) => r.text);
  for (const kind of MODEL_KIND_NAMES) {
    let path: string;
    try {
      path = kind === 'fasttext' ? modelPath : await trainFixtureModel(dir, kind);
    } catch (e) {
      // Imported kinds (onnx) cannot be trained here; their engine is covered by their own tests.
      if (e instanceof InputError && e.code.endsWith('not-trainable')) { t.diagnostic(`${kind}: not trainable, skipped`); continue; }
      throw e;
    }
    const { classifier } = await loadModel(path);
    const expected = new Float32Array(texts.length * classifier.labels.length);
    // The contract prefers predictProbaAsync when a kind has it (its engine may round differently).
    if (classifier.predictProbaAsync) await classifier.predictProbaAsync(texts, expected);
    else classifier.predictProba(texts, expected);
    const two = await predictProbaParallel(path, texts, 2);
    assert.deepEqual(new Float32Array(two), expected, `kind ${kind}`);
  }
});

test('a bad model file fails with the same ArtifactError from worker threads as in-process', async () => {
  const bad = join(dir, 'bad.lading');
  writeFileSync(bad, 'not a model');
  for (const threads of [1, 2]) {
    await assert.rejects(ParallelPredictor.open(bad, threads),
      (e: unknown) => e instanceof ArtifactError && e.code === 'artifact-not-lading' && e.facts['file'] === bad);
  }
  await assert.rejects(ParallelPredictor.open(join(dir, 'missing.lading'), 2),
    (e: unknown) => e instanceof ArtifactError && e.code === 'artifact-unreadable');
});

test('an aborted signal stops prediction with an InterruptedError', async () => {
  const predictor = await ParallelPredictor.open(modelPath, 2);
  try {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(predictor.predictProba(fixtureRows(600).map((r) => r.text), undefined, { signal: controller.signal }),
      (e: unknown) => e instanceof Error && e.name === 'InterruptedError');
  } finally {
    await predictor.close();
  }
});
