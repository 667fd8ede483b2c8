import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeArtifact, encodeArtifact } from '../../../src/models/artifact.js';
import { dnnKind } from '../../../src/models/dnn/index.js';
import { OnnxClassifier } from '../../../src/models/onnx/onnx-classifier.js';
import { tinyTask, UNSEEN_TEXTS } from './deep-fixture.js';
import { artifactOf, assertClose, bothEngines, deepKindContract } from './deep-kind-contract.js';

const SMALL = { dim: 16, hidden: 16, epochs: 8, batchSize: 16, lr: 0.01, patience: 0, dropout: 0.1 };
const BAG = { bagMinN: 3, bagMaxN: 5, subwordN: 0 };
const WORD_IDS = { bagMaxN: 0, subwordN: 3 };

deepKindContract({
  kind: dnnKind,
  small: SMALL,
  badParams: [
    [{ hidden: 0 }, /dnn parameter hidden must be an integer in \[1, 8192\]/],
    [{ bagMinN: 5, bagMaxN: 3, subwordN: 0 }, /dnn parameter bagMinN \(5\) must not exceed bagMaxN \(3\)/],
    [{ bagMaxN: 5, subwordN: 3 }, /dnn takes either the n-gram bag \(bagMaxN > 0\) or the subword fallback/],
    [{ bagMaxN: 9 }, /dnn parameter bagMaxN must be an integer in \[0, 8\]/],
  ],
});

test('dnn bag mode: unknown words are their n-grams, the same through onnxruntime and TypeScript, and explained by word', async () => {
  const task = tinyTask();
  const model = await dnnKind.train(task, { seed: 3, threads: 1, params: { ...SMALL, ...BAG, epochs: 3 } });
  assert.ok(model instanceof OnnxClassifier && model.encoder.bagMode);
  const { ts, ort } = await bothEngines(model, [...UNSEEN_TEXTS, ...task.test.texts.slice(0, 20)]);
  assertClose(ts, ort, 'proba');
  // An unknown word with known n-grams changes the prediction: it is not <unk>.
  const classes = task.labels.length;
  const unk = new Float32Array(2 * classes);
  model.predictProba(['BOTTLEZ', 'QQQQQQ'], unk);
  assert.ok(unk.subarray(0, classes).some((p, c) => Math.abs(p - unk[classes + c]!) > 1e-4), 'an unknown word with known n-grams predicts like <unk>');
  const top = model.explain('PLASTICKY CHAIRZ 12 PCS', 0, 5);
  assert.deepEqual(top.map((c) => c.feature).sort(), ['12', 'chairz', 'pcs', 'plasticky']);
  // The bag model's artifact loads back as a bag model with the same probabilities.
  const loaded = decodeArtifact(artifactOf(model, task.labels, 3), 'mem');
  const back = dnnKind.load(loaded.header, loaded.sections);
  assert.ok(back instanceof OnnxClassifier && back.encoder.bagMode);
  const again = await bothEngines(back, [...UNSEEN_TEXTS, ...task.test.texts.slice(0, 20)]);
  assertClose(again.ts, ts, 'loaded proba');
  assertClose(again.ort, ort, 'loaded onnxruntime proba');
});

test('dnn word ids with the subword fallback (bagMaxN=0, subwordN=3) train and agree across engines', async () => {
  const task = tinyTask();
  const model = await dnnKind.train(task, { seed: 3, threads: 1, params: { ...SMALL, ...WORD_IDS, epochs: 3 } });
  assert.ok(model instanceof OnnxClassifier && !model.encoder.bagMode);
  const { ts, ort } = await bothEngines(model, [...UNSEEN_TEXTS, ...task.test.texts.slice(0, 20)]);
  assertClose(ts, ort, 'proba');
});

test('a dnn artifact written before bag mode (no bagMinN/bagMaxN in its params) loads as a word-id model', async () => {
  const task = tinyTask();
  const model = await dnnKind.train(task, { seed: 3, threads: 1, params: { ...SMALL, ...WORD_IDS, epochs: 2 } });
  const { featuriser, params, sections } = model.serialise();
  const { bagMinN: _min, bagMaxN: _max, ...before } = params;
  const bytes = encodeArtifact({
    kind: 'dnn', labels: task.labels, featuriser, params: before, metrics: {}, codeVersion: 'test', training: { seed: 3, upsample: false, trainRows: 0, validRows: 0 },
  }, sections);
  const loaded = decodeArtifact(bytes, 'mem');
  const back = dnnKind.load(loaded.header, loaded.sections);
  assert.ok(back instanceof OnnxClassifier && !back.encoder.bagMode);
  const texts = [...UNSEEN_TEXTS, ...task.test.texts.slice(0, 20)];
  assertClose((await bothEngines(back, texts)).ts, (await bothEngines(model, texts)).ts, 'proba');
});
