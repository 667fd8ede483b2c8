import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeArtifact, encodeArtifact } from '../../../src/models/artifact.js';
import { lstmKind } from '../../../src/models/lstm/index.js';
import { accuracyOf, tinyTask } from './deep-fixture.js';

const SMALL = { dim: 16, hidden: 16, epochs: 8, batchSize: 16, lr: 0.02, patience: 0, dropout: 0.1, maxLength: 16 };

test('lstm learns a tiny task; ONNX and TypeScript agree; 1 and 2 threads give the same artifact', async () => {
  const task = tinyTask();
  const classes = task.labels.length;
  const models = [await lstmKind.train(task, { seed: 2, threads: 1, params: SMALL }), await lstmKind.train(task, { seed: 2, threads: 2, params: SMALL })];
  const bytes = models.map((m) => {
    const s = m.serialise();
    return encodeArtifact({ kind: 'lstm', labels: task.labels, featuriser: s.featuriser, params: s.params, metrics: {}, codeVersion: 'test', training: { seed: 2, upsample: false, trainRows: 0, validRows: 0 } }, s.sections);
  });
  assert.ok(bytes[0]!.equals(bytes[1]!));
  const loaded = decodeArtifact(bytes[0]!, 'mem');
  const model = lstmKind.load(loaded.header, loaded.sections);
  const ts = new Float32Array(task.test.texts.length * classes);
  model.predictProba(task.test.texts, ts);
  assert.ok(accuracyOf(ts, task.test.y, classes) >= 0.7, `accuracy ${accuracyOf(ts, task.test.y, classes)}`);
  const viaOrt = new Float32Array(ts.length);
  await model.predictProbaAsync!(task.test.texts, viaOrt);
  for (let i = 0; i < ts.length; i++) assert.ok(Math.abs(ts[i]! - viaOrt[i]!) < 1e-4, `proba ${i}: ${ts[i]} vs ${viaOrt[i]}`);
});
