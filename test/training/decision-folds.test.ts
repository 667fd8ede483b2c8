import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { verb as trainVerb } from '../../src/cli/train.js';
import { decideInto, fitDecisionPolicy, readDecisionEvidence } from '../../src/core/decision-policy.js';
import { decodeArtifact } from '../../src/models/artifact.js';
import type { Classifier, ModelKind, TrainInput } from '../../src/models/classifier.js';
import { argmaxRows } from '../../src/serving/rows.js';
import { normaliseText } from '../../src/text/normalise.js';
import { crossFitScores } from '../../src/training/cross-fit.js';
import { assignDecisionFolds, checkDecisionFolds } from '../../src/training/decision-folds.js';
import { runTraining } from '../../src/training/train-run.js';
import { runVerb } from '../helpers/run-cli.js';
import { mixedRows, writeFixtureCsv } from './model-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'lading-decision-folds-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('folds keep rows whose texts normalise alike together, cover every class, and are the same for the same seed', () => {
  const texts: string[] = [];
  const labels: number[] = [];
  for (let i = 0; i < 300; i++) {
    const base = `item ${i % 100} of class ${i % 5}`;
    // Every text three times: as is, upper-cased, with extra spaces (normaliseText makes them one).
    texts.push([base, base.toUpperCase(), `  ${base.replace(/ /g, '   ')} `][Math.floor(i / 100)]!);
    labels.push(i % 5);
  }
  const y = Int32Array.from(labels);
  const a = assignDecisionFolds(texts, y, 3, 7);
  assert.deepEqual(a, assignDecisionFolds(texts, y, 3, 7), 'same seed, same folds');
  assert.notDeepEqual(a, assignDecisionFolds(texts, y, 3, 8), 'another seed deals the groups otherwise');
  const foldOfText = new Map<string, number>();
  for (let i = 0; i < texts.length; i++) {
    const key = normaliseText(texts[i]!);
    const seen = foldOfText.get(key);
    if (seen === undefined) foldOfText.set(key, a[i]!);
    else assert.equal(a[i], seen, `"${texts[i]}" is in fold ${a[i]} but its copy in fold ${seen}`);
  }
  assert.equal(foldOfText.size, 100);
  for (let f = 0; f < 3; f++) {
    for (let c = 0; c < 5; c++) assert.ok(labels.some((l, i) => l === c && a[i] === f), `fold ${f} holds no row of class ${c}`);
  }
});

test('a row keeps its fold when a retrain adds rows: the folds follow a hash of the text, not a draw over the whole set', () => {
  const rows = mixedRows(3000, 11);
  const labelIds = new Map<string, number>();
  const yOf = (rs: typeof rows) => Int32Array.from(rs, (r) => labelIds.get(r.label) ?? (labelIds.set(r.label, labelIds.size), labelIds.size - 1));
  const before = assignDecisionFolds(rows.map((r) => r.text), yOf(rows), 3, 1);
  const grown = [...rows, ...mixedRows(600, 12)];
  const after = assignDecisionFolds(grown.map((r) => r.text), yOf(grown), 3, 1);
  let moved = 0;
  for (let i = 0; i < rows.length; i++) if (before[i] !== after[i]) moved++;
  assert.ok(moved / rows.length < 0.05, `${moved} of ${rows.length} rows changed fold`);
  // Still about a third of every class in each fold.
  for (const [, c] of labelIds) {
    const inClass = Array.from(after.keys()).filter((i) => yOf(grown)[i] === c);
    for (let f = 0; f < 3; f++) {
      const share = inClass.filter((i) => after[i] === f).length / inClass.length;
      assert.ok(share > 0.25 && share < 0.42, `class ${c} fold ${f}: ${share.toFixed(2)}`);
    }
  }
});

test('the fold count is 0 or 2..10; anything else is refused naming where it came from', async () => {
  assert.equal(checkDecisionFolds(0, 'x'), 0);
  assert.equal(checkDecisionFolds('5', 'x'), 5);
  // `--decision-folds=-3`: given apart, "-3" would read as a flag of its own.
  for (const bad of ['1', '11', 'abc', '2.5', '-3', '']) {
    const r = await runVerb(trainVerb, ['--data', 'nowhere.csv', '--model', 'linear', '--out', join(dir, 'm.lading'), '--home', join(dir, 'home'), `--decision-folds=${bad}`]);
    assert.notEqual(r.code, 0, `--decision-folds ${JSON.stringify(bad)} accepted`);
    assert.match(r.stderr, /--decision-folds must be 0 \(off\) or a whole number from 2 to 10/, r.stderr);
  }
});

/**
 * A kind that remembers its training texts: it answers a text it learnt from with its label at
 * probability 1, and any other text uniformly. An out-of-fold score that is not uniform came from a
 * model that saw the row.
 */
const memorising: ModelKind = {
  name: 'memorising', description: 'test double', defaults: {}, refits: true,
  async train(input: TrainInput): Promise<Classifier> {
    const seen = new Map(input.texts.map((t, i) => [normaliseText(t), input.y[i]!]));
    const classes = input.labels.length;
    return {
      kind: 'memorising', labels: input.labels, heldOutChoices: {},
      predictProba(texts, out) {
        texts.forEach((t, r) => {
          const c = seen.get(normaliseText(t));
          for (let k = 0; k < classes; k++) out[r * classes + k] = c === undefined ? 1 / classes : c === k ? 1 : 0;
        });
      },
      explain: () => [],
      serialise: () => ({ featuriser: {}, params: {}, sections: [] }),
    };
  },
  load() { throw new Error('not stored'); },
};

test('out-of-fold scores never come from a model that saw the row or a copy of its text; every other row is learnt by some fold model', async () => {
  const texts = ['red apple', 'green apple', 'RED APPLE', 'blue car', 'red car', 'blue  car', 'old chair', 'new chair', 'old table', 'new table', 'valid one', 'valid two'];
  const y = Int32Array.from([0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 0, 1]);
  const labels = ['fruit', 'car', 'furniture'];
  const scored = Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const alwaysTrain = Int32Array.from([10, 11]);
  const foldOf = assignDecisionFolds(Array.from(scored, (i) => texts[i]!), Int32Array.from(scored, (i) => y[i]!), 3, 1);
  const proba = await crossFitScores({ kind: memorising, texts, y, labels, scored, foldOf, folds: 3, alwaysTrain, upsample: false, options: { seed: 1, threads: 1, params: {} }, choices: {} });
  for (let k = 0; k < scored.length; k++) {
    const row = Array.from(proba.subarray(k * 3, k * 3 + 3));
    assert.deepEqual(row.map((p) => p.toFixed(4)), ['0.3333', '0.3333', '0.3333'], `row ${k} ("${texts[scored[k]!]}") was scored by a model that saw it: ${row}`);
  }
  // The fold models do learn the rest: a model of fold f knows the rows of the other folds and the validation rows.
  const seenBy: string[][] = [];
  const spy: ModelKind = { ...memorising, async train(input) { seenBy.push([...input.texts]); return memorising.train(input, { seed: 1, threads: 1, params: {} }); } };
  await crossFitScores({ kind: spy, texts, y, labels, scored, foldOf, folds: 3, alwaysTrain, upsample: false, options: { seed: 1, threads: 1, params: {} }, choices: {} });
  assert.equal(seenBy.length, 3);
  seenBy.forEach((fit, f) => {
    const expected = [...Array.from(scored).filter((_, k) => foldOf[k] !== f), 10, 11].map((i) => texts[i]!).sort();
    assert.deepEqual([...fit].sort(), expected, `fold model ${f} learnt the wrong rows`);
  });
});


test('thresholds fitted on cross-fitted rows reach the target precision on held-out rows, from several times the rows of the validation split', async () => {
  const trainRows = mixedRows(1200, 5);
  const testRows = mixedRows(4000, 13);
  const rows = { textColumn: 'text', labelColumns: ['label'], texts: trainRows.map((r) => r.text), labels: { label: trainRows.map((r) => r.label) } };
  const options = { rows, labelColumn: 'label', kind: 'linear', seed: 3, upsample: false, params: {}, validFraction: 0.2, threads: 2 };
  const crossFit = await runTraining(options);
  const validationOnly = await runTraining({ ...options, decisionFolds: 0 });
  assert.deepEqual(crossFit.decision, { fittedOn: 'cross-fit', folds: 5, rows: crossFit.heldOutFitRows + crossFit.validRows });
  assert.deepEqual(validationOnly.decision, { fittedOn: 'validation', folds: 0, rows: validationOnly.validRows });
  assert.equal(crossFit.meta.decision!.crossFitRows, crossFit.heldOutFitRows);
  // Only the decision rows differ: the served model is the same.
  assert.deepEqual(crossFit.meta.params, validationOnly.meta.params);

  const artifact = decodeArtifact(crossFit.bytes, 'cross-fit');
  const evidence = readDecisionEvidence(artifact.header, artifact.sections)!;
  assert.equal(evidence.predicted.length, crossFit.decision.rows);
  const classes = artifact.header.labels.length;
  const proba = new Float32Array(testRows.length * classes);
  crossFit.classifier.predictProba(testRows.map((r) => r.text), proba);
  const { ids, scores } = argmaxRows(proba, classes);
  const yTrue = testRows.map((r) => artifact.header.labels.indexOf(r.label));
  for (const target of [0.95, 0.98]) {
    const auto = decideInto(fitDecisionPolicy(evidence, classes, target).thresholds, ids, scores, new Uint8Array(ids.length));
    let n = 0, right = 0;
    for (let i = 0; i < ids.length; i++) if (auto[i] === 1) { n++; if (ids[i] === yTrue[i]) right++; }
    assert.ok(n >= 0.3 * ids.length, `target ${target}: only ${n} of ${ids.length} held-out rows decided automatically`);
    // Within the allowance (0.975 at a 0.98 target): at 0.95 this fixture's policy sits at
    // 0.948-0.949 on 4,000 held-out texts whichever split and folds train it (800 texts, as before,
    // gave 0.950 or 0.9496 depending on the draw).
    assert.ok(right / n >= target - 0.005, `target ${target}: precision ${(right / n).toFixed(4)} on ${n} held-out rows`);
  }

  const path = writeFixtureCsv(dir, 'mixed.csv', trainRows);
  const r = await runVerb(trainVerb, ['--data', path, '--model', 'linear', '--out', join(dir, 'cli.lading'), '--home', join(dir, 'home'), '--decision-folds', '2', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { decisionEvidence: { fittedOn: string; folds: number } };
  assert.equal(summary.decisionEvidence.fittedOn, 'cross-fit');
  assert.equal(summary.decisionEvidence.folds, 2);
});

test('a fold model learns no reviewed row, on the training side or the validation side; it learns every other row outside its fold', async () => {
  // Rows 0-5 traffic, 6-8 reviewed: row 6 is row 0's line with other counts, row 7 sent as
  // validation, row 8 like no traffic row; row 9 traffic sent as validation.
  const texts = ['70 CTNS PLASTIC CUPS', 'WOODEN CHAIR', 'STEEL BOLTS M8', 'COTTON SHIRTS', 'GLASS JARS 500ML', 'RUBBER TYRES',
    '155 CTNS X 20 PCS PLASTIC CUPS', '12 PCS COTTON SHIRTS', 'LEATHER BELTS', 'PAPER CUPS'];
  const y = Int32Array.from([0, 1, 0, 2, 0, 1, 1, 2, 2, 0]);
  const labels = ['a', 'b', 'c'];
  const scored = Int32Array.from([0, 1, 2, 3, 4, 5, 6, 8]);
  const alwaysTrain = Int32Array.from([7, 9]);
  const reviewed = Uint8Array.from([0, 0, 0, 0, 0, 0, 1, 1, 1, 0]);
  const foldOf = assignDecisionFolds(Array.from(scored, (i) => texts[i]!), Int32Array.from(scored, (i) => y[i]!), 2, 2);
  const foldOfRow = (i: number) => foldOf[Array.from(scored).indexOf(i)]!;
  const seenBy: string[][] = [];
  const spy: ModelKind = { ...memorising, async train(input) { seenBy.push([...input.texts]); return memorising.train(input, { seed: 1, threads: 1, params: {} }); } };
  const proba = await crossFitScores({ kind: spy, texts, y, labels, scored, foldOf, folds: 2, alwaysTrain, reviewed, upsample: false, options: { seed: 1, threads: 1, params: {} }, choices: {} });
  assert.equal(seenBy.length, 2);
  seenBy.forEach((fit, f) => {
    const learnt = new Set(fit);
    for (const r of [6, 7, 8]) assert.ok(!learnt.has(texts[r]!), `fold ${f}: reviewed row ${r} is not learnt`);
    assert.ok(learnt.has(texts[9]!), `fold ${f}: a validation row that is traffic is learnt`);
    for (const r of [0, 1, 2, 3, 4, 5]) assert.equal(learnt.has(texts[r]!), foldOfRow(r) !== f, `fold ${f}: traffic row ${r} is learnt exactly when another fold scores it`);
  });
  // The reviewed rows on the scored side are still scored (the evidence drops them later, traffic-rows.ts).
  assert.equal(proba.length, scored.length * labels.length);
  // Without the mask (a dataset with no review answers) every fold model learns the validation rows.
  seenBy.length = 0;
  await crossFitScores({ kind: spy, texts, y, labels, scored, foldOf, folds: 2, alwaysTrain, upsample: false, options: { seed: 1, threads: 1, params: {} }, choices: {} });
  for (const fit of seenBy) assert.ok(fit.includes(texts[7]!) && fit.includes(texts[9]!));
});
