import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DatasetRows } from '../../src/core/dataset.js';
import { InputError } from '../../src/core/errors.js';
import { decodeArtifact } from '../../src/models/artifact.js';
import type { ModelKind, TrainProgress } from '../../src/models/classifier.js';
import { modelKind } from '../../src/models/kinds.js';
import { refitWanted, secondFitRows } from '../../src/training/refit.js';
import { runTraining } from '../../src/training/train-run.js';
import { FIXTURE_CLASSES, fixtureRows } from './model-fixture.js';

const fixture = fixtureRows(400, 5);
const rows: DatasetRows = { textColumn: 'text', labelColumns: ['label'], texts: fixture.map((r) => r.text), labels: { label: fixture.map((r) => r.label) } };
const options = { rows, labelColumn: 'label', kind: 'linear', seed: 3, upsample: false, threads: 1, params: {}, validFraction: 0.1 } as const;

test('by default the shipped model is refit on all rows with the validated fit\'s choices; the figures stay the validated fit\'s', async () => {
  const refit = await runTraining(options);
  const kept = await runTraining({ ...options, refit: false });
  const shipped = decodeArtifact(refit.bytes, 'refit').header.training;
  assert.equal(shipped.refit, true);
  assert.equal(shipped.trainRows, rows.texts.length, 'the shipped model learnt from every row');
  assert.equal(shipped.heldOutFitRows! + shipped.validRows, rows.texts.length);
  assert.ok(shipped.choices!['temperature']! > 0, 'the calibration temperature chosen on the validation side is recorded');
  assert.deepEqual(refit.classifier.heldOutChoices, shipped.choices, 'the refit kept the validated fit\'s temperature');

  const validated = decodeArtifact(kept.bytes, 'kept').header.training;
  assert.equal(validated.refit, false);
  assert.equal(validated.trainRows, validated.heldOutFitRows);
  assert.deepEqual(validated.choices, shipped.choices);
  // Both report the model fitted without the validation side: the same figures, different models.
  assert.deepEqual(refit.meta.metrics, kept.meta.metrics);
  assert.deepEqual(refit.validation.proba, kept.validation.proba);
  assert.notDeepEqual(refit.bytes, kept.bytes);
});

test('a deep kind\'s refit runs the epochs early stopping kept, on a learning-rate schedule of the planned ones', async () => {
  const epochsSeen: Record<string, Set<string>> = {};
  const onProgress = (p: TrainProgress): void => {
    const epoch = p.info?.['epoch'];
    if (typeof epoch === 'string') (epochsSeen[p.phase] ??= new Set()).add(epoch);
  };
  const params = { dim: 8, hidden: 8, epochs: 4, batchSize: 32, patience: 1 };
  const run = await runTraining({ ...options, kind: 'dnn', params, onProgress });
  const chosen = run.meta.training.choices!['epochs']!;
  assert.ok(Number.isInteger(chosen) && chosen >= 1 && chosen <= 4, `epochs chosen ${chosen}`);
  assert.ok(epochsSeen['train']!.has('1/4'), 'the validated fit planned 4 epochs');
  assert.deepEqual([...epochsSeen['refit train']!].sort(), Array.from({ length: chosen }, (_, i) => `${i + 1}/${chosen}`));
  assert.equal(run.trainRows, rows.texts.length);
});

test('a refit is refused what it cannot use: an unknown choice, a kind that cannot refit when asked to', async () => {
  const linear = await modelKind('linear');
  const labels = FIXTURE_CLASSES.map((c) => c.label);
  const input = { texts: rows.texts.slice(0, 40), y: Int32Array.from(rows.labels['label']!.slice(0, 40), (l) => labels.indexOf(l)), labels, valid: { texts: [], y: new Int32Array(0) } };
  await assert.rejects(linear.train(input, { seed: 1, threads: 1, params: {}, fixed: { epochs: 3 } }),
    (e: unknown) => e instanceof InputError && e.code === 'bad-fixed-choice' && /linear does not take a held-out choice named "epochs"; it takes temperature/.test(e.message));
  await assert.rejects(linear.train(input, { seed: 1, threads: 1, params: {}, fixed: {} }),
    (e: unknown) => e instanceof InputError && /needs the held-out choice "temperature"/.test(e.message));
  const cannot: ModelKind = { ...linear, name: 'frozen', refits: false };
  assert.equal(refitWanted(cannot, undefined), false, 'by default a kind that cannot refit ships its validated fit');
  assert.equal(refitWanted(linear, undefined), true);
  assert.equal(refitWanted(linear, false), false);
  assert.throws(() => refitWanted(cannot, true), (e: unknown) => e instanceof InputError && e.code === 'refit-unsupported' && /"frozen" cannot be refit/.test(e.message));
});

test('a second fit (refit, decision fold) up-samples the traffic rows alone and keeps the reference rows last, once each, as the first fit had them', async () => {
  const linear = await modelKind('linear');
  // 30 traffic rows: class 0 twenty-eight times, class 1 twice; then 3 reference rows of class 1.
  const y = Int32Array.from([...Array.from({ length: 28 }, () => 0), 1, 1, 1, 1, 1]);
  const texts = Array.from(y, (_, i) => `row ${i}`);
  const r = { kind: linear, texts, y, labels: ['a', 'b'], upsample: true, options: { seed: 1, threads: 1, params: {} }, choices: {}, referenceRows: 3 };
  const traffic = Int32Array.from({ length: 33 }, (_, i) => i).filter((i) => i !== 5);
  const { idx, referenceRows } = secondFitRows(r, traffic, 7);
  assert.equal(referenceRows, 3);
  assert.deepEqual(Array.from(idx.subarray(idx.length - 3)), [30, 31, 32], 'the reference rows come last');
  const head = Array.from(idx.subarray(0, idx.length - 3));
  assert.ok(head.every((i) => i < 30 && i !== 5), 'before them only the traffic rows given');
  assert.ok(head.filter((i) => i === 28 || i === 29).length > 2, 'the rare traffic class was up-sampled');
  // Without up-sampling: the rows as given, reference rows last.
  const plain = secondFitRows({ ...r, upsample: false }, traffic, 7);
  assert.deepEqual(Array.from(plain.idx), [...Array.from(traffic).filter((i) => i < 30), 30, 31, 32]);
  assert.equal(secondFitRows({ ...r, referenceRows: undefined }, traffic, 7).referenceRows, 0);
});
