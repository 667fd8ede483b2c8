import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../../src/core/errors.js';
import { decodeArtifact } from '../../../src/models/artifact.js';
import { crossFitMembers } from '../../../src/models/ensemble/cross-fit.js';
import { assignFolds } from '../../../src/models/ensemble/folds.js';
import { EnsembleClassifier, ensembleKind } from '../../../src/models/ensemble/index.js';
import { emptyVote } from '../../../src/models/ensemble/near-duplicate-memory.js';
import { generateInvoiceLines } from '../../../src/demo/invoice-lines.js';
import { runTraining } from '../../../src/training/train-run.js';

// Traffic: generated invoice lines. Reference rows: descriptions of two codes the lines have, and
// three of a code no line has (880212), whose words ("zeppelin", "dirigible") no line uses, so
// anything that knows them learnt them from the reference rows.
const lines = generateInvoiceLines({ rows: 400, seed: 7, classes: 6 });
const known = [...new Set(lines.map((l) => l.label))].sort();
const reference = {
  texts: ['Official description of the first code', 'Official description of the second code',
    'Airships and dirigibles; zeppelin envelopes', 'Zeppelin airship gondola', 'Dirigible airship envelope fabric'],
  labels: [known[0]!, known[1]!, '880212', '880212', '880212'],
};

describe('ensemble with reference rows', () => {
  it('cross-fitting: every fold\'s members learn from every reference row, and no fold holds one out', async () => {
    const texts = [...lines.map((l) => l.text), ...reference.texts];
    const labels = [...known, '880212'];
    const y = Int32Array.from([...lines.map((l) => l.label), ...reference.labels], (l) => labels.indexOf(l));
    const traffic = lines.length;
    const folds = 3;
    // As the ensemble deals them: the traffic rows only.
    const foldOf = assignFolds(texts.slice(0, traffic), y.subarray(0, traffic), folds, 5);
    const scored = new Int32Array(traffic);
    await crossFitMembers({ texts, y, labels, valid: { texts: [], y: new Int32Array(0) }, referenceRows: reference.texts.length },
      { seed: 5, threads: 1, params: {} }, ['linear'], foldOf, folds, (f, inFold, trainRows, proba) => {
        assert.equal(proba[0]!.length, inFold.length * labels.length);
        for (const i of inFold) {
          assert.ok(i < traffic, `reference row ${i} is held out (scored) in fold ${f}`);
          scored[i]!++;
        }
        for (let r = traffic; r < texts.length; r++) assert.ok(trainRows.includes(r), `fold ${f}'s members did not learn from reference row ${r}`);
        assert.equal(inFold.length + trainRows.length, texts.length);
      });
    assert.ok(scored.every((n) => n === 1), 'every traffic row is scored exactly once');
  });

  it('trained as `train --nomenclature` does: the re-ranker learns from traffic only, the memory holds no description, the members learn them all', async () => {
    const rows = { textColumn: 'text', labelColumns: ['label'], texts: lines.map((l) => l.text), labels: { label: lines.map((l) => l.label) } };
    const r = await runTraining({
      rows, labelColumn: 'label', kind: 'ensemble', seed: 3, upsample: false, threads: 1, params: { folds: 2 }, validFraction: 0.2,
      referenceRows: { ...reference, source: 'hs6.csv', sha256: '0'.repeat(64), classes: 'all' },
    });
    const fit = (r.meta.params['fit'] ?? {}) as Record<string, number>;
    // The validated fit's training side was the split's training side plus the reference rows, and
    // its re-ranker's examples the training side alone (each scored out of fold once); the shipped
    // refit's members learnt from every row, the reference rows last again (so its memory below
    // still holds none of them).
    assert.equal(r.heldOutFitRows + r.validRows, lines.length);
    assert.equal(r.trainRows, lines.length + reference.texts.length);
    assert.equal(fit['rerankTexts'], r.heldOutFitRows);
    assert.equal(fit['referenceRows'], reference.texts.length);
    assert.ok(r.meta.labels.includes('880212'));

    const a = decodeArtifact(r.bytes, 'ensemble');
    const loaded = ensembleKind.load(a.header, a.sections) as EnsembleClassifier;
    const vote = emptyVote(8);
    loaded.memorySearch!.query('ZEPPELIN AIRSHIP DIRIGIBLE', vote);
    assert.equal(vote.count, 0, 'the memory answers from a description');
    assert.equal(vote.oovShare, 1, 'the memory knows words only the descriptions have');
    // The first member (linear) learnt the code only the descriptions name.
    const labels = r.meta.labels;
    const proba = new Float32Array(labels.length);
    loaded.members[0]!.predictProba(['ZEPPELIN AIRSHIP ENVELOPE'], proba);
    assert.equal(labels[proba.indexOf(Math.max(...proba))], '880212');
  });

  it('refuses a reference row count larger than its rows, naming the field', async () => {
    const input = { texts: ['a b', 'c d'], y: Int32Array.from([0, 1]), labels: ['x', 'y'], valid: { texts: [], y: new Int32Array(0) }, referenceRows: 3 };
    await assert.rejects(ensembleKind.train(input, { seed: 1, threads: 1, params: {} }),
      (e: unknown) => e instanceof InputError && e.facts['field'] === 'referenceRows' && /referenceRows/.test(e.message));
  });
});
