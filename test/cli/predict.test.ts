import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough, Readable, Writable } from 'node:stream';
import { verb } from '../../src/cli/predict.js';
import { batchPieces } from '../../src/data/batch-pieces.js';
import { textsOfStream } from '../../src/data/read-texts.js';
import { makeContext } from '../../src/cli/context.js';
import { InputError, NotFoundError } from '../../src/core/errors.js';
import { loadModel, type LoadedModel } from '../../src/models/load-model.js';
import { openEmbeddedWorkspace } from '../../src/platform/index.js';
import { fixtureRows, tempDir, trainFixtureModel, writeFixtureCsv } from '../training/model-fixture.js';

interface Prediction {
  label: string;
  score: number;
  top: Array<{ label: string; score: number }>;
  model: string;
  explain?: Array<{ feature: string; weight: number }>;
}

let dir = '';
let modelPath = '';
let model: LoadedModel;
before(async () => {
  dir = tempDir('cli-predict');
  modelPath = await trainFixtureModel(dir, 'fasttext');
  model = await loadModel(modelPath);
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function runPredict(argv: string[], stdinText = '', stdout: Writable = new PassThrough()): Promise<{ code: number; lines: Prediction[] }> {
  const out: string[] = [];
  if (stdout instanceof PassThrough) stdout.on('data', (c: Buffer) => out.push(c.toString()));
  const stdin = new PassThrough();
  stdin.end(stdinText);
  const code = await verb.run(makeContext({ argv, stdout, stderr: new PassThrough(), stdin, env: {}, isTTY: false, signal: new AbortController().signal }));
  const text = out.join('');
  return { code, lines: text === '' ? [] : text.trimEnd().split('\n').map((l) => JSON.parse(l) as Prediction) };
}

/** The label a single-thread, in-process prediction gives each text. */
function expectedLabels(texts: readonly string[]): string[] {
  const k = model.classifier.labels.length;
  const proba = new Float32Array(texts.length * k);
  model.classifier.predictProba(texts, proba);
  return texts.map((_, i) => {
    let best = 0;
    for (let c = 1; c < k; c++) if (proba[i * k + c]! > proba[i * k + best]!) best = c;
    return model.classifier.labels[best]!;
  });
}

test('stdin lines in, one JSON line per text out, in input order across batches and threads', async () => {
  // More than two 4096-line batches, with a blank line and CRLF endings mixed in.
  const texts = fixtureRows(9000, 21).map((r) => r.text);
  texts[10] = '';
  const input = texts.map((t, i) => (i % 3 === 0 ? `${t}\r\n` : `${t}\n`)).join('');
  const { code, lines } = await runPredict(['--model', modelPath, '--threads', '2'], input);
  assert.equal(code, 0);
  assert.equal(lines.length, texts.length);
  assert.deepEqual(lines.map((l) => l.label), expectedLabels(texts));
  const first = lines[0]!;
  assert.equal(first.model, `fasttext@${model.fileSha256.slice(0, 12)}`);
  assert.deepEqual(first.top, [{ label: first.label, score: first.score }]);
  assert.equal(first.explain, undefined);
});

test('--top K lists the K best labels, best first; --explain adds the features behind the label', async () => {
  const texts = fixtureRows(50, 4).map((r) => r.text);
  const { lines } = await runPredict(['--model', modelPath, '--top', '3', '--explain', '--threads', '1'], `${texts.join('\n')}\n`);
  assert.equal(lines.length, 50);
  for (const l of lines) {
    assert.equal(l.top.length, 3);
    assert.equal(l.top[0]!.label, l.label);
    assert.ok(l.top[0]!.score >= l.top[1]!.score && l.top[1]!.score >= l.top[2]!.score);
    assert.ok(l.explain && l.explain.length > 0 && l.explain.length <= 10);
  }
  const classId = model.classifier.labels.indexOf(lines[0]!.label);
  assert.deepEqual(lines[0]!.explain!.map((e) => e.feature), model.classifier.explain(texts[0]!, classId, 10).map((e) => e.feature));
  // The same answers from two threads.
  const two = await runPredict(['--model', modelPath, '--top', '3', '--explain', '--threads', '2'], `${texts.join('\n')}\n`);
  assert.deepEqual(two.lines, lines);
});

test('a CSV --input is read by its text column; a plain file line by line', async () => {
  const rows = fixtureRows(30, 8);
  const csv = writeFixtureCsv(dir, 'in.csv', rows.map((r) => ({ text: r.text, label: r.label })));
  const fromCsv = await runPredict(['--model', modelPath, '--input', csv, '--text', 'text']);
  assert.deepEqual(fromCsv.lines.map((l) => l.label), expectedLabels(rows.map((r) => r.text)));
  const plain = join(dir, 'in.txt');
  writeFileSync(plain, `\uFEFF${rows.map((r) => r.text).join('\n')}`);
  const fromPlain = await runPredict(['--model', modelPath, '--input', plain]);
  assert.deepEqual(fromPlain.lines, fromCsv.lines);
});

test('writes wait for the output to drain', async () => {
  let maxQueuedAtWrite = 0;
  const received: string[] = [];
  const slow = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, done) { received.push(chunk.toString()); setTimeout(done, 5); },
  });
  const write = slow.write.bind(slow) as (chunk: string) => boolean;
  slow.write = ((chunk: string) => { maxQueuedAtWrite = Math.max(maxQueuedAtWrite, slow.writableLength); return write(chunk); }) as typeof slow.write;
  const texts = fixtureRows(3 * 4096 + 5, 9).map((r) => r.text);
  const { code } = await runPredict(['--model', modelPath, '--threads', '2'], `${texts.join('\n')}\n`, slow);
  assert.equal(code, 0);
  assert.equal(maxQueuedAtWrite, 0, 'each batch is written only after the previous one drained');
  assert.equal(received.join('').trimEnd().split('\n').length, texts.length);
});

test('bad input: missing --model, missing file, invalid UTF-8, bad --top', async () => {
  await assert.rejects(runPredict([], 'x\n'), (e: unknown) => e instanceof InputError && e.code === 'missing-flag' && e.facts['flag'] === '--model');
  await assert.rejects(runPredict(['--model', modelPath, '--input', join(dir, 'nope.txt')]),
    (e: unknown) => e instanceof InputError && e.code === 'file-not-found');
  const bad = join(dir, 'bad.txt');
  writeFileSync(bad, Buffer.concat([Buffer.from('good line\nsecond\n'), Buffer.from([0x61, 0xff, 0x0a])]));
  await assert.rejects(runPredict(['--model', modelPath, '--input', bad]),
    (e: unknown) => e instanceof InputError && e.code === 'invalid-utf8' && e.facts['row'] === 3);
  await assert.rejects(runPredict(['--model', modelPath, '--top', '0'], 'x\n'), (e: unknown) => e instanceof InputError && e.facts['flag'] === '--top');
  const stdout = new PassThrough();
  const code = await verb.run(makeContext({ argv: ['--help'], stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: {}, isTTY: false, signal: new AbortController().signal }));
  assert.equal(code, 0);
  assert.match(String(stdout.read()), /Usage: lading predict --model PATH/);
});

test('line batches survive chunk boundaries inside characters and CRLF pairs', async () => {
  const bytes = Buffer.from('\uFEFFcafé crème\r\nÖl 5L\n\nlast line without break', 'utf8');
  // One byte per chunk: every boundary falls somewhere awkward.
  const chunks = [...bytes].map((b) => Buffer.from([b]));
  const batches: string[][] = [];
  for await (const b of batchPieces(textsOfStream(Readable.from(chunks), 'lines', undefined, 'test'), 2, 60_000)) batches.push(b);
  assert.deepEqual(batches, [['café crème', 'Öl 5L'], ['', 'last line without break']]);
});

/** A workspace under `dir` with the fixture model registered as `name` version 1, approved and aliased champion. */
async function registerFixture(home: string, name: string): Promise<void> {
  const ws = openEmbeddedWorkspace(home);
  try {
    await ws.registerModelVersion({ name, artifactPath: modelPath, actor: 'test' });
    await ws.approveVersion({ name, version: 1, actor: 'test' });
    await ws.setAlias({ name, alias: 'champion', version: 1, actor: 'test' });
  } finally {
    ws.close();
  }
}

test('--model takes a registry reference (NAME, NAME@ALIAS, NAME@VERSION) as well as a file', async () => {
  const home = join(dir, 'registry-home');
  await registerFixture(home, 'grocery');
  const texts = fixtureRows(20, 4).map((r) => r.text);
  const input = `${texts.join('\n')}\n`;
  const fromFile = await runPredict(['--model', modelPath], input);
  for (const ref of ['grocery', 'grocery@champion', 'grocery@1']) {
    const fromRegistry = await runPredict(['--model', ref, '--home', home], input);
    assert.deepEqual(fromRegistry.lines, fromFile.lines, ref);
  }
  // Neither a file nor a known model: the error says both.
  await assert.rejects(runPredict(['--model', 'grocery@staging', '--home', home], 'x\n'), (e: unknown) =>
    e instanceof NotFoundError && e.code === 'model-not-found' && /is not a file \(no .*grocery@staging\)/.test(e.message) &&
    e.message.includes('nor a model in the workspace') && e.message.includes('no alias "staging"'));
  await assert.rejects(runPredict(['--model', 'nothing-here', '--home', join(dir, 'no-such-home')], 'x\n'), (e: unknown) =>
    e instanceof NotFoundError && e.code === 'model-not-found' && e.message.includes('is not a file') && e.message.includes('no workspace at'));
  assert.ok(!existsSync(join(dir, 'no-such-home')), 'a failed lookup does not create a workspace');
});

const bin = fileURLToPath(new URL('../../../bin/lading.js', import.meta.url));

test('a real process answers each line as stdin delivers it, in order, and stops cleanly on SIGINT', async () => {
  const child = spawn(process.execPath, [bin, 'predict', '--model', modelPath, '--threads', '1'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lineCount = (): number => out.split('\n').length - 1;
  const waitFor = async (lines: number): Promise<void> => {
    const deadline = Date.now() + 20_000;
    while (lineCount() < lines) {
      if (Date.now() > deadline) throw new Error(`waited for ${lines} lines, got ${lineCount()}; stderr: ${err}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const texts = fixtureRows(3, 11).map((r) => r.text);
  let code: number | null;
  try {
    // Each line is answered while stdin is still open: output begins before the input ends.
    for (let i = 0; i < texts.length; i++) {
      child.stdin.write(`${texts[i]}\n`);
      await waitFor(i + 1);
    }
    const got = out.trimEnd().split('\n').map((l) => (JSON.parse(l) as Prediction).label);
    assert.deepEqual(got, expectedLabels(texts));
    child.kill('SIGINT');
    code = await exited;
  } finally {
    child.kill('SIGKILL');
  }
  assert.equal(code, 130, `stderr: ${err}`);
  assert.ok(!/\n\s+at /.test(err), `no stack trace: ${err}`);
  assert.equal(lineCount(), texts.length, 'nothing half-written');
});
