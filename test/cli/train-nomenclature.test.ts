import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256Hex } from '../../src/core/hash.js';
import { verb as modelsVerb } from '../../src/cli/models.js';
import { verb as trainVerb } from '../../src/cli/train.js';
import { generateInvoiceLines, invoiceLinesToCsv } from '../../src/demo/invoice-lines.js';
import { loadModel } from '../../src/models/load-model.js';
import { runVerb } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'lading-train-nomenclature-'));
const home = join(dir, 'home');
const csv = join(dir, 'lines.csv');
const lines = generateInvoiceLines({ rows: 1200, seed: 4, classes: 10 });
writeFileSync(csv, invoiceLinesToCsv(lines));
const known = [...new Set(lines.map((l) => l.label))];
// A nomenclature: a description of two codes the data has, and three of one it never shows (880212).
const nomenclature = join(dir, 'hs6.csv');
writeFileSync(nomenclature, [
  'text,label,label_4,label_2',
  `Official description of the first code,${known[0]},${known[0]!.slice(0, 4)},${known[0]!.slice(0, 2)}`,
  `Official description of the second code,${known[1]},${known[1]!.slice(0, 4)},${known[1]!.slice(0, 2)}`,
  'Airships and dirigibles; zeppelin envelopes,880212,8802,88',
  'Zeppelin airship gondola,880212,8802,88',
  'Dirigible airship envelope fabric,880212,8802,88',
].join('\n') + '\n');

async function train(out: string, extra: readonly string[]) {
  const r = await runVerb(trainVerb, ['--data', csv, '--label', 'label', '--model', 'linear', '--out', out, '--seed', '3', '--home', home, '--json', ...extra]);
  return { ...r, summary: r.code === 0 ? JSON.parse(r.stdout) as { validRows: number; heldOutFitRows: number; trainRows: number; classes: number; nomenclature?: unknown } : undefined };
}

test('train --nomenclature: its rows teach every fit, a code only it has can be answered, the validation side is untouched, and the artifact records the file', async () => {
  const plain = await train(join(dir, 'plain.lading'), []);
  const taught = await train(join(dir, 'taught.lading'), ['--nomenclature', nomenclature, '--nomenclature-classes', 'all']);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(taught.code, 0, taught.stderr);
  // The same split: the nomenclature's rows never join the validation side or its figures' rows.
  assert.equal(taught.summary!.validRows, plain.summary!.validRows);
  assert.equal(taught.summary!.heldOutFitRows, plain.summary!.heldOutFitRows);
  assert.equal(taught.summary!.trainRows, plain.summary!.trainRows + 5);
  assert.equal(taught.summary!.classes, plain.summary!.classes + 1);
  assert.deepEqual(taught.summary!.nomenclature, { source: 'hs6.csv', sha256: sha256Hex(readFileSync(nomenclature)), rows: 5, onlyClasses: 1 });

  const model = await loadModel(join(dir, 'taught.lading'));
  assert.ok(model.header.labels.includes('880212'));
  assert.deepEqual(model.header.training.referenceRows, { source: 'hs6.csv', sha256: sha256Hex(readFileSync(nomenclature)), rows: 5, onlyClasses: 1 });
  const labels = model.header.labels;
  const proba = new Float32Array(labels.length);
  model.classifier.predictProba(['ZEPPELIN AIRSHIP ENVELOPE 2 PCS'], proba);
  const best = proba.indexOf(Math.max(...proba));
  assert.equal(labels[best], '880212', 'a code no example has is answered from its description');
});

test('train --nomenclature keeps only rows of codes the data has by default (--nomenclature-classes known)', async () => {
  const r = await train(join(dir, 'known.lading'), ['--nomenclature', nomenclature]);
  assert.equal(r.code, 0, r.stderr);
  const model = await loadModel(join(dir, 'known.lading'));
  assert.ok(!model.header.labels.includes('880212'));
  assert.equal(model.header.training.referenceRows?.rows, 2);
  assert.equal(model.header.training.referenceRows?.onlyClasses, 0);
});

test('train --nomenclature refuses a file without the label column, a bad class choice, or nothing usable, naming the file, and writes nothing', async () => {
  const noLabel = join(dir, 'no-label.csv');
  writeFileSync(noLabel, 'text,code\nHorses; live,010121\n');
  const out = join(dir, 'refused.lading');
  let r = await train(out, ['--nomenclature', noLabel]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /no-label\.csv/);
  assert.match(r.stderr, /"?label"?/);
  r = await train(out, ['--nomenclature', nomenclature, '--nomenclature-classes', 'some']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--nomenclature-classes must be one of all, known, got .*some/);
  const foreign = join(dir, 'foreign.csv');
  writeFileSync(foreign, 'text,label\nAirships,880212\n');
  r = await train(out, ['--nomenclature', foreign, '--nomenclature-classes', 'known']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /foreign\.csv: none of its labels is a class of the training data \(e\.g\. .*880212.*\): is it the right label column/);
  // HS4 codes for an HS6 model: the wrong column of a right file is refused too, and the right one taught.
  r = await train(out, ['--nomenclature', nomenclature, '--nomenclature-label', 'label_4']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /hs6\.csv: none of its labels is a class of the training data/);
  assert.equal(existsSync(out), false);
});

test('models show names the nomenclature a registered version was taught by', async () => {
  const r = await runVerb(trainVerb, ['--data', csv, '--label', 'label', '--model', 'linear', '--register', 'hs', '--seed', '3', '--home', home, '--decision-folds', '0', '--json', '--nomenclature', nomenclature]);
  assert.equal(r.code, 0, r.stderr);
  const shown = await runVerb(modelsVerb, ['show', 'hs@1', '--home', home, '--json']);
  assert.equal(shown.code, 0, shown.stderr);
  assert.deepEqual((JSON.parse(shown.stdout) as { nomenclature: unknown }).nomenclature, { source: 'hs6.csv', sha256: sha256Hex(readFileSync(nomenclature)), rows: 2, onlyClasses: 0 });
  const text = await runVerb(modelsVerb, ['show', 'hs@1', '--home', home]);
  assert.match(text.stdout, /taught also by 2 rows of hs6\.csv \(sha256 [0-9a-f]{16}\.\.\.\)/);
});
