import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DatasetRows } from '../../../src/core/dataset.js';
import { decodeArtifact } from '../../../src/models/artifact.js';
import { crossFitMembers } from '../../../src/models/ensemble/cross-fit.js';
import { assignFolds } from '../../../src/models/ensemble/folds.js';
import { ensembleKind } from '../../../src/models/ensemble/index.js';
import { nearDuplicateKey } from '../../../src/models/ensemble/near-duplicate-key.js';
import { modelKind } from '../../../src/models/kinds.js';
import { normaliseText } from '../../../src/text/normalise.js';
import { runTraining } from '../../../src/training/train-run.js';
import { withStoredCalibration } from '../../../src/models/top1-calibration.js';

// Invoice-like lines: each class has its own goods word; counts and packaging vary from line to
// line, and some lines repeat the same goods with other counts (what the near-duplicate memory is for).
const GOODS = ['plastic cups', 'steel bolts', 'cotton shirts', 'rubber tyres', 'glass jars', 'wooden chairs', 'paper towels', 'copper wire'];
const EXTRA = ['blue', 'large', 'mini', 'assorted', 'white', 'set of 6', 'heavy duty'];
const PACKING = ['CTNS', 'PCS', 'PKGS', 'CARTONS'];

function invoiceRows(): DatasetRows {
  const texts: string[] = [];
  const labels: string[] = [];
  for (let c = 0; c < GOODS.length; c++) {
    for (let i = 0; i < 36; i++) {
      const count = 10 + ((i * 37 + c * 11) % 190);
      const per = 6 + ((i * 13 + c) % 90);
      const extra = EXTRA[(i + c) % EXTRA.length]!;
      texts.push(`${count}${PACKING[i % 4]} X ${per} PCS ${extra} ${GOODS[c]!.toUpperCase()}${i % 3 === 0 ? ` [${per * 10}ML]` : ''}`);
      labels.push(`HS${1000 + c}`);
    }
  }
  return { textColumn: 'text', labelColumns: ['hs'], texts, labels: { hs: labels } };
}

const train = (threads: number) => runTraining({
  rows: invoiceRows(), labelColumn: 'hs', kind: 'ensemble', seed: 3, upsample: false, threads, params: { folds: 2 }, validFraction: 0.2,
});

describe('near-duplicate key', () => {
  it('folds counts and packaging away: the issue\'s lines keep only their goods', () => {
    assert.equal(nearDuplicateKey('70CTNS X 120 PCS PLASTIC WATER BOTTLES[500ML]'), 'plastic water bottles #ml');
    assert.equal(nearDuplicateKey('100 CTNS X 44 PCS PLASTIC STORAGE BOWLS {16CM}'), 'plastic storage bowls #cm');
    // Their shipment prefixes are the same key (nothing), whatever the counts.
    assert.equal(nearDuplicateKey('70CTNS X 120 PCS'), nearDuplicateKey('100 CTNS X 44 PCS'));
    assert.equal(nearDuplicateKey('70CTNS X 120 PCS'), '');
  });
  it('gives one key to the same goods in another shipment', () => {
    assert.equal(nearDuplicateKey('155 CTNS X 100 PCS PLASTIC CUPS'), nearDuplicateKey('70ctns x 120 pcs plastic cups'));
    assert.equal(nearDuplicateKey('199 CTNS X 100 PCS PLASTIC SPOON'), 'plastic spoon');
    assert.notEqual(nearDuplicateKey('PLASTIC CUPS'), nearDuplicateKey('PAPER CUPS'));
  });
});

describe('cross-fitting', () => {
  it('scores every row once, by members that never saw it nor a copy of its text', async () => {
    const rows = invoiceRows();
    // Exact copies (after normalisation) of some lines: they must stay in their original's fold.
    const texts = [...rows.texts, ...rows.texts.slice(0, 40).map((t) => `  ${t.toLowerCase()} `)];
    const y = Int32Array.from(texts, (_, i) => Math.floor((i < rows.texts.length ? i : i - rows.texts.length) / 36));
    const folds = 3;
    const foldOf = assignFolds(texts, y, folds, 5);
    const scored = new Int32Array(texts.length);
    let visits = 0;
    await crossFitMembers({ texts, y, labels: GOODS, valid: { texts: [], y: new Int32Array(0) } }, { seed: 5, threads: 1, params: {} }, ['fasttext'], foldOf, folds,
      (f, inFold, trainRows, proba) => {
        visits++;
        assert.equal(proba[0]!.length, inFold.length * GOODS.length);
        const seen = new Set(Array.from(trainRows, (i) => normaliseText(texts[i]!)));
        for (const i of inFold) {
          assert.equal(foldOf[i], f);
          assert.ok(!trainRows.includes(i), `row ${i} is both scored and trained on in fold ${f}`);
          assert.ok(!seen.has(normaliseText(texts[i]!)), `row ${i}'s text is in fold ${f}'s training rows`);
          scored[i]!++;
        }
        assert.equal(inFold.length + trainRows.length, texts.length);
      });
    assert.equal(visits, folds);
    assert.ok(scored.every((n) => n === 1));
    for (let f = 0; f < folds; f++) {
      for (let c = 0; c < GOODS.length; c++) assert.ok(foldOf.some((g, i) => g === f && y[i] === c), `fold ${f} has no row of class ${c}`);
    }
  });
});

describe('ensemble model kind', () => {
  const trained = train(2);

  it('is a kind of this build', async () => {
    assert.equal((await modelKind('ensemble')).name, 'ensemble');
  });

  it('trains, learns the goods, and predicts the same probabilities after loading its artifact', async () => {
    const r = await trained;
    assert.ok(r.report.accuracy >= 0.9, `validation accuracy ${r.report.accuracy}`);
    const probes = GOODS.map((g) => `12 CTNS X 48 PCS ${g}`);
    const a = decodeArtifact(r.bytes, 'ensemble');
    assert.deepEqual(a.header.featuriser['members'], ['linear', 'fasttext']);
    // As loadModel serves it: the kind's classifier with the top-1 calibration stored at training.
    const loaded = withStoredCalibration(ensembleKind.load(a.header, a.sections), a.header.calibration);
    const before = new Float32Array(probes.length * GOODS.length);
    const after = new Float32Array(probes.length * GOODS.length);
    r.classifier.predictProba(probes, before);
    loaded.predictProba(probes, after);
    assert.deepEqual(after, before);
    for (let i = 0; i < probes.length; i++) {
      const row = after.subarray(i * GOODS.length, (i + 1) * GOODS.length);
      assert.ok(Math.abs(row.reduce((s, p) => s + p, 0) - 1) < 1e-4);
      assert.equal(r.meta.labels[row.indexOf(Math.max(...row))], `HS${1000 + i}`, probes[i]);
    }
    assert.ok(loaded.explain(probes[0]!, 0, 5).length > 0, 'explain delegates to the first member');
  });

  it('writes the same bytes whatever the thread count', async () => {
    const [two, one] = [await trained, await train(1)];
    assert.ok(one.bytes.equals(two.bytes), 'artifacts differ between 1 and 2 threads');
  });
});
