import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { COLUMNS, FLIP_AT, openFeatureWorkspace, taskRows, type FeatureWorkspace } from './feature-model-fixture.js';

interface EvalJson {
  report: { accuracy: number };
  features: { source: string; rows: number; withFeatures: number; textAlone: number; keyColumns: Record<string, string>; joins?: { matched: number }[] } | null;
}

let ws: FeatureWorkspace;
before(() => { ws = openFeatureWorkspace(); });
after(() => ws?.close());

const test100 = () => taskRows(100, 1000);
const evalJson = (file: string, ...flags: string[]): EvalJson => {
  const r = ws.lading('eval', '--model', ws.model, '--data', file, '--label', 'label', '--json', ...flags);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as EvalJson;
};

test('eval of a feature model on a file with its feature columns composes rows as training did; without them it says how many rows had none', () => {
  const withColumns = ws.write('with-columns.csv', [`text,label,${COLUMNS.join(',')}`, ...test100().map((r) => `${r.text},${r.label},${r.chapter},5`)]);
  const textOnly = ws.write('text-only.csv', ['text,label', ...test100().map((r) => `${r.text},${r.label}`)]);

  const good = evalJson(withColumns);
  assert.equal(good.features?.source, 'file-columns');
  assert.deepEqual([good.features?.withFeatures, good.features?.textAlone], [100, 0]);
  assert.ok(good.report.accuracy >= 0.95, `with the feature columns: ${good.report.accuracy}`);

  const alone = ws.lading('eval', '--model', ws.model, '--data', textOnly, '--label', 'label', '--json');
  assert.equal(alone.code, 0, alone.stderr);
  const doc = JSON.parse(alone.stdout) as EvalJson;
  assert.deepEqual([doc.features?.source, doc.features?.rows, doc.features?.textAlone], ['none', 100, 100]);
  assert.ok(doc.report.accuracy <= 0.7, `from the text alone: ${doc.report.accuracy}`);
  assert.match(alone.stderr, /warning: 100 of 100 rows answered from the text alone: no feature values/);

  const human = ws.lading('eval', '--model', ws.model, '--data', withColumns, '--label', 'label');
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /features importer_history:top_chapter, importer_history:lines_30d from the file's feature columns: 100 of 100 rows with values; 0 answered from the text alone/);
  assert.equal(human.stderr.includes('warning'), false);

  // JSONL carries typed values (a number for the int feature); a null is no value, as an empty CSV cell.
  const jsonl = ws.write('with-columns.jsonl', test100().map((r, i) => JSON.stringify({ text: r.text, label: r.label, [COLUMNS[0]]: i < 10 ? null : r.chapter, [COLUMNS[1]]: i < 10 ? null : 5 })));
  const typed = evalJson(jsonl);
  assert.deepEqual([typed.features?.source, typed.features?.withFeatures, typed.features?.textAlone], ['file-columns', 90, 10]);
  assert.ok(typed.report.accuracy >= 0.85, `JSONL with 10 rows of no value: ${typed.report.accuracy}`);

  // Plain lines carry no features: every line says so, and so does the warning.
  const lines = ws.write('texts.txt', ['goods lot 1', 'goods lot 2']);
  const p = ws.lading('predict', '--model', ws.model, '--input', lines);
  assert.equal(p.code, 0, p.stderr);
  assert.deepEqual(p.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { textAlone?: boolean }).textAlone), [true, true]);
  assert.match(p.stderr, /warning: 2 of 2 rows answered from the text alone/);
});

test('entity keys look values up in the online store (as serving does); unknown keys are answered from the text alone and counted', () => {
  const m = ws.lading('features', 'materialize', '--json');
  assert.equal(m.code, 0, m.stderr);
  const rows = test100();
  const keys = ws.write('keys.csv', ['text,label,importer_id', ...rows.map((r, i) => `${r.text},${r.label},${i < 4 ? 'zed' : r.importer}`)]);
  const doc = evalJson(keys);
  assert.deepEqual([doc.features?.source, doc.features?.keyColumns, doc.features?.withFeatures, doc.features?.textAlone], ['online', { importer: 'importer_id' }, 96, 4]);
  assert.ok(doc.report.accuracy >= 0.9, `online: ${doc.report.accuracy}`);

  // --entities names a column of another name; predict marks the rows it answered from the text alone.
  const renamed = ws.write('renamed.csv', ['text,buyer', ...rows.slice(0, 6).map((r, i) => `${r.text},${i < 2 ? 'zed' : r.importer}`)]);
  const p = ws.lading('predict', '--model', ws.model, '--input', renamed, '--entities', 'importer=buyer');
  assert.equal(p.code, 0, p.stderr);
  const lines = p.stdout.trim().split('\n').map((l) => JSON.parse(l) as { label: string; textAlone?: boolean });
  assert.deepEqual(lines.map((l) => l.textAlone ?? false), [true, true, false, false, false, false]);
  assert.deepEqual(lines.slice(2).map((l) => l.label), rows.slice(2, 6).map((r) => r.label));
  assert.match(p.stderr, /warning: 2 of 6 rows answered from the text alone/);
});

test('--as-of joins point in time from the offline store: a value written one second after a row never reaches it', () => {
  const before1s = new Date(Date.parse(FLIP_AT) - 1000).toISOString();
  const file = ws.write('flip.csv', ['text,label,importer_id,event_time', `goods lot 7001,textiles,flip,${before1s}`, `goods lot 7002,hardware,flip,${FLIP_AT}`]);
  const pit = ws.lading('predict', '--model', ws.model, '--input', file, '--as-of', 'event_time');
  assert.equal(pit.code, 0, pit.stderr);
  assert.deepEqual(pit.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { label: string }).label), ['textiles', 'hardware']);
  const doc = evalJson(file, '--as-of', 'event_time');
  assert.deepEqual([doc.features?.source, doc.report.accuracy, doc.features?.joins?.[0]?.matched], ['point-in-time', 1, 2]);
  // Online now, both rows see flip's latest value (hardware): the first is wrong.
  assert.equal(evalJson(file).report.accuracy, 0.5);

  // The same rows saved as a point-in-time training set (a dataset version) evaluate the same.
  const set = ws.lading('features', 'training-set', '--examples', file, '--features', COLUMNS.join(','), '--json');
  assert.equal(set.code, 0, set.stderr);
  const id = (JSON.parse(set.stdout) as { dataset: { id: string } }).dataset.id;
  const stored = evalJson(id);
  assert.deepEqual([stored.features?.source, stored.features?.withFeatures, stored.report.accuracy], ['dataset-columns', 2, 1]);
  const refused = ws.lading('eval', '--model', ws.model, '--data', id, '--label', 'label', '--as-of', 'event_time');
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, new RegExp(`--as-of looks values up by a file's entity key columns; dataset ${id} keeps no keys`));
});

/** The workspace's files (SQLite's shared-memory index aside) by content: what a run may not change. */
function homeContents(): Record<string, string> {
  const home = join(ws.dir, 'home');
  return Object.fromEntries(readdirSync(home, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.endsWith('-shm'))
    .map((e) => [join(e.parentPath, e.name), createHash('sha256').update(readFileSync(join(e.parentPath, e.name))).digest('hex')]));
}

test('bad input is refused naming file, row and column, and nothing is written', () => {
  const stored = homeContents();
  const rows = test100().slice(0, 3);
  const keys = ws.write('bad-keys.csv', ['text,label,importer_id,event_time', ...rows.map((r, i) => `${r.text},${r.label},${r.importer},${i === 1 ? 'last tuesday' : '2026-02-01'}`)]);
  const run = (...argv: string[]) => {
    const r = ws.lading('eval', '--model', ws.model, '--label', 'label', ...argv);
    assert.notEqual(r.code, 0, `expected a failure: ${argv.join(' ')}`);
    assert.equal(r.stdout, '');
    return r.stderr;
  };
  assert.match(run('--data', keys, '--entities', 'merchant=importer_id'), /--entities: the model's features are not about an entity "merchant"; they are about importer/);
  assert.match(run('--data', keys, '--entities', 'importer=buyer'), /bad-keys\.csv: the header has no column "buyer"/);
  assert.match(run('--data', keys, '--as-of', 'event_time'), /bad-keys\.csv: row 3, column "event_time": expected a time/);
  assert.match(run('--data', keys, '--as-of', 'when'), /bad-keys\.csv: the header has no column "when"/);
  const badType = ws.write('bad-type.csv', [`text,label,${COLUMNS.join(',')}`, `${rows[0]!.text},textiles,61,5`, `${rows[1]!.text},hardware,73,many`]);
  assert.match(run('--data', badType, '--json'), /bad-type\.csv: row 3, column \\"importer_history:lines_30d\\": expected an integer, got \\"many\\"/);
  const partial = ws.write('partial.csv', ['text,label,importer_history:top_chapter', `${rows[0]!.text},textiles,61`]);
  assert.match(run('--data', partial), /partial\.csv: the model reads the feature columns .* but not importer_history:lines_30d/);
  const plain = ws.write('plain.txt', ['goods lot 1']);
  const p = ws.lading('predict', '--model', ws.model, '--input', plain, '--as-of', 'event_time');
  assert.notEqual(p.code, 0);
  assert.match(p.stderr, /--as-of needs a CSV\/JSONL --input file/);
  assert.deepEqual(homeContents(), stored);
});
