import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InterruptedError } from '../../../src/core/errors.js';
import { decodeArtifact, encodeArtifact, type ArtifactMeta } from '../../../src/models/artifact.js';
import type { Classifier } from '../../../src/models/classifier.js';
import { OnnxClassifier } from '../../../src/models/onnx/onnx-classifier.js';
import { textCnnKind } from '../../../src/models/textcnn/index.js';
import { accuracyOf, tinyTask } from './deep-fixture.js';

const SMALL = { dim: 16, filters: 8, widths: '2,3', epochs: 6, batchSize: 16, lr: 0.01, patience: 0, dropout: 0.2 };

function artifactOf(c: Classifier, labels: readonly string[]): Buffer {
  const { featuriser, params, sections } = c.serialise();
  const meta: ArtifactMeta = {
    kind: c.kind, labels, featuriser, params, metrics: {}, codeVersion: 'test',
    training: { seed: 1, upsample: false, trainRows: 0, validRows: 0 },
  };
  return encodeArtifact(meta, sections);
}

test('textcnn learns a tiny task, and its ONNX export gives the TypeScript forward pass probabilities', async () => {
  const task = tinyTask();
  const model = await textCnnKind.train(task, { seed: 3, threads: 1, params: SMALL });
  const classes = task.labels.length;
  const ts = new Float32Array(task.test.texts.length * classes);
  model.predictProba(task.test.texts, ts);
  assert.ok(accuracyOf(ts, task.test.y, classes) >= 0.7, `accuracy ${accuracyOf(ts, task.test.y, classes)}`);
  const viaOrt = new Float32Array(ts.length);
  await model.predictProbaAsync!(task.test.texts, viaOrt);
  for (let i = 0; i < ts.length; i++) assert.ok(Math.abs(ts[i]! - viaOrt[i]!) < 1e-4, `proba ${i}: ${ts[i]} vs ${viaOrt[i]}`);
  const top = model.explain(task.test.texts[0]!, task.test.y[0]!, 3);
  assert.ok(top.length > 0 && top.length <= 3);
});

// Words the tiny task never saw: in bag mode they reach the model only through their n-grams
// (onnxruntime adds them with ScatterND, TypeScript averages them), so both paths must agree.
const UNSEEN = ['BOTTLEZ OF WINEX 12 PCZ', 'zzqq', 'PLASTICKY CHAIRZ', 'x', 'COTTONS TSHIRTZ MENSWEAR 100 CTNS X 24'];

function assertSameProbabilities(a: Float32Array, b: Float32Array, what: string): void {
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-4, `${what} ${i}: ${a[i]} vs ${b[i]}`);
}

test('bag mode: unknown words are their n-grams, the same through onnxruntime and TypeScript, and explained by word', async () => {
  const task = tinyTask();
  // With the mean word vector pooled too: the graph's mean must skip padding as the TypeScript one does.
  const model = await textCnnKind.train(task, { seed: 3, threads: 1, params: { ...SMALL, epochs: 2, meanPool: 1 } });
  assert.ok(model instanceof OnnxClassifier && model.encoder.bagMode);
  const texts = [...UNSEEN, ...task.test.texts.slice(0, 20)];
  const classes = task.labels.length;
  const ts = new Float32Array(texts.length * classes);
  model.predictProba(texts, ts);
  const viaOrt = new Float32Array(ts.length);
  await model.predictProbaAsync(texts, viaOrt);
  assertSameProbabilities(ts, viaOrt, 'proba');
  // An unknown word with known n-grams changes the prediction: it is not <unk>.
  const unk = new Float32Array(2 * classes);
  model.predictProba(['BOTTLEZ', 'QQQQQQ'], unk);
  assert.ok(unk.subarray(0, classes).some((p, c) => Math.abs(p - unk[classes + c]!) > 1e-4), 'an unknown word with known n-grams predicts like <unk>');
  const top = model.explain('PLASTICKY CHAIRZ 12 PCS', 0, 5);
  assert.deepEqual(top.map((c) => c.feature).sort(), ['12', 'chairz', 'pcs', 'plasticky']);
});

test('word ids with the subword fallback (bagMaxN=0, subwordN=3) still train and agree across engines', async () => {
  const task = tinyTask();
  const model = await textCnnKind.train(task, { seed: 3, threads: 1, params: { ...SMALL, epochs: 2, bagMaxN: 0, subwordN: 3 } });
  assert.ok(model instanceof OnnxClassifier && !model.encoder.bagMode);
  const texts = [...UNSEEN, ...task.test.texts.slice(0, 20)];
  const ts = new Float32Array(texts.length * task.labels.length);
  model.predictProba(texts, ts);
  const viaOrt = new Float32Array(ts.length);
  await model.predictProbaAsync(texts, viaOrt);
  assertSameProbabilities(ts, viaOrt, 'proba');
});

test('the same seed gives a byte-identical artifact with 1 and 2 threads; the artifact loads back', async () => {
  const task = tinyTask();
  // Word dropout on: its mask, like the feature dropout's, must not depend on which thread computes a shard.
  const params = { ...SMALL, epochs: 2, wordDropout: 0.2, embeddingLr: 0.02 };
  const one = artifactOf(await textCnnKind.train(task, { seed: 5, threads: 1, params }), task.labels);
  const two = artifactOf(await textCnnKind.train(task, { seed: 5, threads: 2, params }), task.labels);
  assert.ok(one.equals(two), 'artifacts differ between 1 and 2 threads');
  const loaded = decodeArtifact(one, 'mem');
  const back = textCnnKind.load(loaded.header, loaded.sections);
  assert.ok(back instanceof OnnxClassifier);
  const a = new Float32Array(task.test.texts.length * task.labels.length);
  const b = new Float32Array(a.length);
  back.predictProba(task.test.texts, a);
  await back.predictProbaAsync(task.test.texts, b);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-4);
});

test('abort keeps the best finished epoch, or throws InterruptedError when none finished', async () => {
  const task = tinyTask();
  const early = new AbortController();
  early.abort();
  await assert.rejects(textCnnKind.train(task, { seed: 1, threads: 1, params: SMALL, signal: early.signal }), InterruptedError);
  const later = new AbortController();
  let epochs = 0;
  const model = await textCnnKind.train(task, {
    seed: 1, threads: 1, params: { ...SMALL, epochs: 50 }, signal: later.signal,
    onProgress: (p) => { if (p.info?.['epochSeconds'] !== undefined && ++epochs === 2) later.abort(); },
  });
  assert.equal(model.labels.length, task.labels.length);
});

test('bad textcnn params are refused with the parameter named', async () => {
  const task = tinyTask();
  await assert.rejects(textCnnKind.train(task, { seed: 1, threads: 1, params: { widths: '2,x' } }), /widths/);
  await assert.rejects(textCnnKind.train(task, { seed: 1, threads: 1, params: { filterz: 3 } }), /unknown textcnn parameter "filterz"/);
  await assert.rejects(textCnnKind.train(task, { seed: 1, threads: 1, params: { bagMinN: 5, bagMaxN: 3 } }), /bagMinN \(5\) must not exceed bagMaxN \(3\)/);
  await assert.rejects(textCnnKind.train(task, { seed: 1, threads: 1, params: { subwordN: 3 } }), /either the n-gram bag/);
});
