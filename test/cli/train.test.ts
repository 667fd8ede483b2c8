import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { sha256Hex } from '../../src/core/hash.js';
import { verb as dataVerb } from '../../src/cli/data.js';
import { verb as trainVerb } from '../../src/cli/train.js';
import { generateInvoiceLines, invoiceLinesToCsv } from '../../src/demo/invoice-lines.js';
import { loadModel } from '../../src/models/load-model.js';
import { runVerb } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'lading-train-'));
const home = join(dir, 'home');
const csv = join(dir, 'lines.csv');
writeFileSync(csv, invoiceLinesToCsv(generateInvoiceLines({ rows: 1500, seed: 3, classes: 12 })));

for (const kind of ['linear', 'fasttext']) {
  test(`train ${kind}: learns, records lineage, and is byte-identical across runs and thread counts`, async () => {
    const outs = [1, 2, 2].map((threads, i) => join(dir, `${kind}-${threads}-${i}.lading`));
    const runs = [];
    for (let i = 0; i < outs.length; i++) {
      runs.push(await runVerb(trainVerb, ['--data', csv, '--label', 'label', '--model', kind, '--out', outs[i]!, '--seed', '5',
        '--threads', i === 0 ? '1' : '2', '--home', home, '--json']));
    }
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(runs[0]!.stdout) as { dataset: string; classes: number; validation: Record<string, number>; sha256: string };
    assert.match(summary.dataset, /^ds-[0-9a-f]{16}$/);
    assert.equal(summary.classes, 12);
    assert.ok(summary.validation['validAccuracy']! > 0.85, `validation accuracy ${summary.validation['validAccuracy']}`);
    const hashes = outs.map((p) => sha256Hex(readFileSync(p)));
    assert.equal(hashes[0], hashes[1], 'threads 1 vs 2 differ');
    assert.equal(hashes[1], hashes[2], 'repeated run differs');
    assert.equal(hashes[0], summary.sha256);
    const model = await loadModel(outs[0]!);
    assert.equal(model.header.kind, kind);
    assert.equal(model.header.training.datasetId, summary.dataset);
    assert.equal(model.header.training.seed, 5);
    assert.equal(model.header.labels.length, 12);
  });
}

test('train from a stored dataset version id gives the same artifact as from its file', async () => {
  const imported = await runVerb(dataVerb, ['import', csv, '--text', 'text', '--label', 'label', '--home', home, '--json']);
  assert.equal(imported.code, 0, imported.stderr);
  const id = (JSON.parse(imported.stdout) as { dataset: { id: string } }).dataset.id;
  const fromFile = join(dir, 'from-file.lading');
  const fromId = join(dir, 'from-id.lading');
  assert.equal((await runVerb(trainVerb, ['--data', csv, '--label', 'label', '--model', 'linear', '--out', fromFile, '--home', home])).code, 0);
  const r = await runVerb(trainVerb, ['--data', id, '--label', 'label', '--model', 'linear', '--out', fromId, '--home', home]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /trained linear on ds-/);
  assert.equal(sha256Hex(readFileSync(fromFile)), sha256Hex(readFileSync(fromId)));
});

test('train refits on all rows by default and says so; --no-refit ships the model fitted without the validation rows', async () => {
  const refitOut = join(dir, 'refit.lading');
  const keptOut = join(dir, 'no-refit.lading');
  const common = ['--data', csv, '--label', 'label', '--model', 'linear', '--home', home];
  const text = await runVerb(trainVerb, [...common, '--out', refitOut]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /chosen on \d+ train \/ \d+ validation rows, then refit on all 1500\)/);
  assert.match(text.stdout, /validation figures are of the model fitted without the validation rows/);
  const refit = (await loadModel(refitOut)).header.training;
  assert.equal(refit.refit, true);
  assert.equal(refit.trainRows, 1500);
  assert.equal(refit.heldOutFitRows! + refit.validRows, 1500);
  assert.ok(refit.choices!['temperature']! > 0);

  const kept = await runVerb(trainVerb, [...common, '--out', keptOut, '--no-refit', '--json']);
  assert.equal(kept.code, 0, kept.stderr);
  const summary = JSON.parse(kept.stdout) as { refit: boolean; trainRows: number; heldOutFitRows: number; validRows: number };
  assert.deepEqual({ refit: summary.refit, trainRows: summary.trainRows }, { refit: false, trainRows: refit.heldOutFitRows });
  const header = (await loadModel(keptOut)).header;
  assert.equal(header.training.refit, false);
  assert.equal(header.training.trainRows + header.training.validRows, 1500, 'today\'s behaviour: the validation rows are not learnt');
  assert.deepEqual(header.metrics, (await loadModel(refitOut)).header.metrics, 'both report the fit without the validation rows');
});

test('bad input is refused with a clear message and writes no artifact', async () => {
  const out = join(dir, 'never.lading');
  const cases: Array<[string[], RegExp]> = [
    [['--data', csv, '--label', 'label', '--out', out], /--model is required/],
    [['--data', csv, '--model', 'onnx', '--out', out], /model kind "onnx" is imported, not trained by lading; trainable kinds: linear, fasttext[^\n]*\n.*\n  hint: Bring an ONNX model in with `lading import-onnx/],
    [['--data', csv, '--label', 'nope', '--model', 'linear', '--out', out], /nope/],
    [['--data', csv, '--label', 'label', '--model', 'svm9', '--out', out], /unknown model kind "svm9"; trainable kinds: linear, fasttext, dnn, lstm, textcnn, ensemble\n/],
    [['--data', csv, '--label', 'label', '--model', 'linear', '--param', 'bogus=1', '--out', out], /unknown hyper-parameter "bogus"/],
    [['--data', join(dir, 'missing.csv'), '--label', 'label', '--model', 'linear', '--out', out], /no such file/],
    [['--data', csv, '--label', 'label', '--model', 'linear', '--out', out, '--seed', 'x'], /--seed must be a whole number/],
    [['--data', csv, '--label', 'label', '--model', 'linear', '--out', out, '--refit', '--no-refit'], /--refit and --no-refit contradict each other/],
  ];
  for (const [argv, message] of cases) {
    const r = await runVerb(trainVerb, [...argv, '--home', home]);
    assert.equal(r.code, 2, `${argv.join(' ')} -> ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.equal(existsSync(out), false);
});

test('an interrupted training run leaves no artifact and no temp file behind', async () => {
  const big = join(dir, 'big.csv');
  writeFileSync(big, invoiceLinesToCsv(generateInvoiceLines({ rows: 20000, seed: 9 })));
  const out = join(dir, 'interrupted', 'm.lading');
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 1500);
  const r = await runVerb(trainVerb, ['--data', big, '--label', 'label', '--model', 'fasttext', '--param', 'epochs=200', '--out', out, '--home', home], { signal: controller.signal });
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /interrupted/);
  assert.equal(existsSync(out), false);
  assert.deepEqual(readdirSync(join(dir, 'interrupted')), []);
});

test('--help lists the kind\'s hyper-parameters with defaults', async () => {
  const r = await runVerb(trainVerb, ['--help', '--model', 'fasttext']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Hyper-parameters of fasttext/);
  assert.match(r.stdout, /epochs\s+default \d+/);
  const deep = await runVerb(trainVerb, ['--help', '--model', 'textcnn']);
  assert.equal(deep.code, 0);
  assert.match(deep.stdout, /minPerClass\s+default \d+\s+classes with fewer training rows are repeated/);
  assert.match(deep.stdout, /bagMaxN\s+default \d+\s+longest character n-gram/);
});

test('--register records the version with its dataset lineage, pending approval, and keeps no temp file', async () => {
  const { verb: modelsVerb } = await import('../../src/cli/models.js');
  const args = ['--data', csv, '--label', 'label', '--model', 'linear', '--register', 'hs-codes', '--tag', 'team=customs', '--actor', 'ci', '--home', home, '--json'];
  const tempDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith('lading-train-') && n !== basename(dir)).sort();
  const tempBefore = tempDirs();
  const first = await runVerb(trainVerb, args);
  assert.equal(first.code, 0, first.stderr);
  const s1 = JSON.parse(first.stdout) as { dataset: string; registered: { name: string; version: number; approval: string }; artifact?: string; stored: string; sha256: string };
  assert.deepEqual(s1.registered, { name: 'hs-codes', version: 1, approval: 'pending' });
  // No --out: nothing is written outside the workspace, not even a temp file (the bytes stay in memory).
  assert.equal(s1.artifact, undefined);
  assert.deepEqual(tempDirs(), tempBefore);
  assert.equal(sha256Hex(readFileSync(s1.stored)), s1.sha256, 'the registry stored exactly the trained bytes');
  const second = await runVerb(trainVerb, [...args, '--parent', '1', '--seed', '2']);
  assert.equal(second.code, 0, second.stderr);
  assert.equal((JSON.parse(second.stdout) as { registered: { version: number } }).registered.version, 2);
  const lineage = await runVerb(modelsVerb, ['lineage', 'hs-codes', '2', '--home', home, '--json']);
  assert.equal(lineage.code, 0, lineage.stderr);
  const text = lineage.stdout;
  assert.ok(text.includes(s1.dataset), 'lineage names the dataset version');
  const shown = JSON.parse((await runVerb(modelsVerb, ['show', 'hs-codes@2', '--home', home, '--json'])).stdout) as { parentVersion: number; tags: Record<string, string>; registeredBy: string };
  assert.equal(shown.parentVersion, 1);
  assert.equal(shown.tags['team'], 'customs');
  assert.equal(shown.registeredBy, 'ci');
});

test('--label defaults to "label", as `data import` does: the same artifact as naming it', async () => {
  const named = join(dir, 'label-named.lading');
  const defaulted = join(dir, 'label-default.lading');
  assert.equal((await runVerb(trainVerb, ['--data', csv, '--label', 'label', '--model', 'linear', '--out', named, '--home', home])).code, 0);
  const r = await runVerb(trainVerb, ['--data', csv, '--model', 'linear', '--out', defaulted, '--home', home, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { labelColumn: string }).labelColumn, 'label');
  assert.equal(sha256Hex(readFileSync(defaulted)), sha256Hex(readFileSync(named)));
  const help = await runVerb(trainVerb, ['--help']);
  assert.match(help.stdout, /--label COL\s+label column to learn \(default: label\)/);
});

test('--help lists only the kinds train can fit; onnx points to import-onnx', async () => {
  const help = (await runVerb(trainVerb, ['--help'])).stdout;
  assert.match(help, /--model linear\|fasttext\|dnn\|lstm\|textcnn\|ensemble /);
  assert.match(help, /--model KIND\s+linear, fasttext, dnn, lstm, textcnn, ensemble\n/);
  assert.doesNotMatch(help.replace(/import-onnx|ONNX models/g, ''), /onnx/);
  const r = await runVerb(trainVerb, ['--help', '--model', 'onnx']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /imported, not trained/);
});

test('--register of bytes the model already has is refused naming the version, writes nothing; --force registers them', async () => {
  const { verb: modelsVerb } = await import('../../src/cli/models.js');
  const again = join(dir, 'again');
  const args = ['--data', csv, '--label', 'label', '--model', 'linear', '--seed', '11', '--register', 'dupes', '--home', home];
  const first = await runVerb(trainVerb, [...args, '--json']);
  assert.equal(first.code, 0, first.stderr);
  const sha = (JSON.parse(first.stdout) as { sha256: string }).sha256;
  const audit = async () => (await runVerb(modelsVerb, ['history', 'dupes', '--home', home, '--json'])).stdout;
  const before = await audit();
  const refused = await runVerb(trainVerb, [...args, '--out', join(again, 'm.lading')]);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, new RegExp(`dupes already has these bytes as version 1 \\(sha256 ${sha.slice(0, 16)}\\.\\.\\.\\); nothing changed`));
  assert.match(refused.stderr, /--force/);
  assert.equal(await audit(), before, 'no version and no audit row was added');
  assert.deepEqual(readdirSync(again), [], 'and no --out file was written');
  const forced = await runVerb(trainVerb, [...args, '--force', '--json']);
  assert.equal(forced.code, 0, forced.stderr);
  const s = JSON.parse(forced.stdout) as { sha256: string; registered: { version: number } };
  assert.deepEqual([s.sha256, s.registered.version], [sha, 2]);
});
