import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../../src/core/errors.js';
import { decodeArtifact } from '../../../src/models/artifact.js';
import { EnsembleClassifier, ensembleKind } from '../../../src/models/ensemble/index.js';
import { featureCount } from '../../../src/models/ensemble/rerank-features.js';
import { generateInvoiceLines } from '../../../src/demo/invoice-lines.js';
import { runTraining } from '../../../src/training/train-run.js';

const lines = generateInvoiceLines({ rows: 360, seed: 11, classes: 6 });
const rows = { textColumn: 'text', labelColumns: ['label'], texts: lines.map((l) => l.text), labels: { label: lines.map((l) => l.label) } };
const options = { rows, labelColumn: 'label', kind: 'ensemble', seed: 3, upsample: false, threads: 1, params: { folds: 2 }, validFraction: 0.2, decisionFolds: 2 } as const;
const memoryDocs = (c: EnsembleClassifier): number => c.parts.memory!.docNorm.length;

describe('ensemble refit', () => {
  const refit = runTraining(options);
  const kept = runTraining({ ...options, refit: false });

  it('by default ships members and memory refit on every row, with the re-ranker, temperature and members\' choices of the validated fit', async () => {
    const [r, k] = [await refit, await kept];
    const shipped = r.meta.training;
    assert.equal(shipped.refit, true);
    assert.equal(shipped.trainRows, rows.texts.length, 'the shipped members learnt from every row');
    assert.equal(k.meta.training.refit, false);
    assert.equal(k.meta.training.trainRows, k.meta.training.heldOutFitRows);
    // The choices: every re-ranker weight, the temperature, the linear member's own temperature.
    const choices = shipped.choices!;
    const F = featureCount(2);
    for (let j = 0; j < F; j++) assert.equal(typeof choices[`rerank.${j}`], 'number', `rerank.${j}`);
    assert.ok(choices['temperature']! > 0);
    assert.ok(choices['member.0.temperature']! > 0, 'the linear member\'s temperature is among the choices');
    assert.deepEqual(k.meta.training.choices, choices, 'both runs made the same choices on the same held-out rows');

    const a = decodeArtifact(r.bytes, 'refit');
    const loaded = ensembleKind.load(a.header, a.sections) as EnsembleClassifier;
    assert.deepEqual(Array.from(loaded.parts.weights), Array.from({ length: F }, (_, j) => choices[`rerank.${j}`]!), 'the served re-ranker is the validated fit\'s');
    assert.equal(loaded.parts.temperature, choices['temperature']);
    assert.equal(typeof loaded.parts.fit['oofRerankAccuracy'], 'number', 'the first fit\'s out-of-fold figures are still in the artifact');
    assert.equal(loaded.parts.fit['oofRerankAccuracy'], choices['fit.oofRerankAccuracy']);
    // The memory now remembers the validation rows too.
    const keptArtifact = decodeArtifact(k.bytes, 'kept');
    const keptModel = ensembleKind.load(keptArtifact.header, keptArtifact.sections) as EnsembleClassifier;
    assert.ok(memoryDocs(loaded) > memoryDocs(keptModel), `memory of ${memoryDocs(loaded)} lines against ${memoryDocs(keptModel)} without the refit`);
    // The figures are the validated fit's in both; the served models differ.
    assert.deepEqual(r.meta.metrics, k.meta.metrics);
    assert.notDeepEqual(r.bytes, k.bytes);
    // Cross-fitted decision rows come with a kind that refits.
    assert.equal(r.meta.decision!.fittedOn, 'cross-fit');
    assert.equal(r.meta.decision!.folds, 2);
  });

  it('answers the validation texts as the refit members and memory say, after a round trip', async () => {
    const r = await refit;
    const a = decodeArtifact(r.bytes, 'refit');
    const loaded = ensembleKind.load(a.header, a.sections);
    const probes = rows.texts.slice(0, 20);
    const before = new Float32Array(probes.length * r.meta.labels.length);
    const after = new Float32Array(probes.length * r.meta.labels.length);
    r.classifier.predictProba(probes, before);
    loaded.predictProba(probes, after);
    // r.classifier carries the stored top-1 calibration; the kind's own load does not, so compare rankings.
    for (let i = 0; i < probes.length; i++) {
      const row = (p: Float32Array) => Array.from(p.subarray(i * r.meta.labels.length, (i + 1) * r.meta.labels.length));
      const top = (p: number[]) => p.indexOf(Math.max(...p));
      assert.equal(top(row(after)), top(row(before)), probes[i]);
    }
  });

  it('refuses choices it cannot use, naming the choice, and changes nothing', async () => {
    const choices = { ...(await refit).meta.training.choices! };
    const labels = [...new Set(lines.map((l) => l.label))].sort();
    const input = { texts: rows.texts.slice(0, 60), y: Int32Array.from(lines.slice(0, 60), (l) => labels.indexOf(l.label)), labels, valid: { texts: [], y: new Int32Array(0) } };
    const train = (fixed: Record<string, number>) => ensembleKind.train(input, { seed: 1, threads: 1, params: { folds: 2 }, fixed });
    const { 'rerank.3': _dropped, ...missing } = choices;
    await assert.rejects(train(missing), (e: unknown) => e instanceof InputError && e.code === 'bad-fixed-choice' && e.facts['choice'] === 'rerank.3' && /needs the held-out choice "rerank.3"/.test(e.message));
    await assert.rejects(train({ ...choices, epochs: 3 }), (e: unknown) => e instanceof InputError && e.facts['choice'] === 'epochs' && /does not take a held-out choice named "epochs"/.test(e.message));
    await assert.rejects(train({ ...choices, temperature: 0 }), (e: unknown) => e instanceof InputError && e.facts['choice'] === 'temperature' && /temperature above 0/.test(e.message));
    await assert.rejects(train({ ...choices, 'member.0.epochs': 2 }), (e: unknown) => e instanceof InputError && /linear does not take a held-out choice named "epochs"/.test(e.message));
  });
});
