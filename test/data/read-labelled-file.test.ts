import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/core/errors.js';
import { datasetContentHash } from '../../src/data/dataset-hash.js';
import { readLabelledFile } from '../../src/data/read-labelled-file.js';
import { tempDir } from './temp-dir.js';

const COLUMNS = { text: 'text', labels: ['label'] } as const;

async function expectInputError(promise: Promise<unknown>, code: string, facts: Record<string, unknown>, messageIncludes: readonly string[]): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
    assert.equal(e.code, code);
    for (const [k, v] of Object.entries(facts)) assert.deepEqual(e.facts[k], v, `fact ${k}`);
    for (const part of messageIncludes) assert.ok(e.message.includes(part), `message "${e.message}" should include "${part}"`);
    return true;
  });
}

describe('readLabelledFile: CSV', () => {
  it('reads the chosen columns, primary label first, ignoring others', async (t) => {
    const { write } = tempDir(t);
    const path = write('d.csv', '\ufeffid,text,dept,label\r\n1,"Milk, whole",dairy,milk\r\n2,Bread,bakery,bread\r\n');
    const rows = await readLabelledFile(path, { text: 'text', labels: ['label', 'dept'] });
    assert.equal(rows.textColumn, 'text');
    assert.deepEqual(rows.labelColumns, ['label', 'dept']);
    assert.deepEqual(rows.texts, ['Milk, whole', 'Bread']);
    assert.deepEqual(rows.labels['label'], ['milk', 'bread']);
    assert.deepEqual(rows.labels['dept'], ['dairy', 'bakery']);
  });

  it('allows an empty text', async (t) => {
    const { write } = tempDir(t);
    const rows = await readLabelledFile(write('d.csv', 'text,label\n,a\nx,b\n'), COLUMNS);
    assert.deepEqual(rows.texts, ['', 'x']);
  });

  it('missing column: lists the columns that exist and suggests a near match', async (t) => {
    const { write } = tempDir(t);
    const path = write('d.csv', 'Text,label_2\nx,1\n');
    await assert.rejects(readLabelledFile(path, COLUMNS), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.equal(e.code, 'missing-column');
      assert.deepEqual(e.facts, { file: path, row: 1, column: 'text' });
      assert.ok(e.message.includes('"Text", "label_2"'), e.message);
      assert.match(e.hint ?? '', /Did you mean "Text"\?/);
      return true;
    });
  });

  it('ragged row: names the line and both field counts', async (t) => {
    const { write } = tempDir(t);
    const path = write('d.csv', 'text,label\nok,1\nnot, quoted,2\n');
    await expectInputError(readLabelledFile(path, COLUMNS), 'csv-ragged-row', { file: path, row: 3 }, [path, 'line 3 has 3 fields', 'header has 2']);
  });

  it('empty label: names line and column; whitespace counts as empty', async (t) => {
    const { write } = tempDir(t);
    const path = write('d.csv', 'text,label,label_2\na,1,x\nb,2,\n');
    await expectInputError(readLabelledFile(path, { text: 'text', labels: ['label', 'label_2'] }), 'empty-label',
      { file: path, row: 3, column: 'label_2' }, [path, 'line 3', '"label_2"', 'empty']);
    const blank = write('e.csv', 'text,label\na,  \n');
    await expectInputError(readLabelledFile(blank, COLUMNS), 'empty-label', { row: 2, column: 'label' }, []);
  });

  it('invalid UTF-8: names the line', async (t) => {
    const { write } = tempDir(t);
    const path = write('d.csv', Buffer.concat([Buffer.from('text,label\nok,1\n'), Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x2c, 0x32, 0x0a])]));
    await expectInputError(readLabelledFile(path, COLUMNS), 'invalid-utf8', { file: path, row: 3 }, [path, 'line 3', 'UTF-8']);
  });

  it('empty file and header-only file are told apart', async (t) => {
    const { write } = tempDir(t);
    const empty = write('empty.csv', '');
    await expectInputError(readLabelledFile(empty, COLUMNS), 'empty-file', { file: empty }, [empty, 'empty']);
    const bomOnly = write('bom.csv', '\ufeff\n');
    await expectInputError(readLabelledFile(bomOnly, COLUMNS), 'empty-file', { file: bomOnly }, []);
    const headerOnly = write('header.csv', 'text,label\n');
    await expectInputError(readLabelledFile(headerOnly, COLUMNS), 'no-rows', { file: headerOnly, row: 1 }, ['no data rows']);
  });

  it('duplicate header names are rejected', async (t) => {
    const { write } = tempDir(t);
    const path = write('d.csv', 'text,label,label\nx,1,2\n');
    await expectInputError(readLabelledFile(path, COLUMNS), 'csv-duplicate-column', { row: 1, column: 'label' }, ['twice']);
  });

  it('a text column also chosen as label is rejected before reading', async (t) => {
    const { write } = tempDir(t);
    await expectInputError(readLabelledFile(write('d.csv', 'text,label\nx,1\n'), { text: 'text', labels: ['label', 'text'] }), 'bad-column', { column: 'text' }, []);
  });
});

describe('readLabelledFile: formats', () => {
  it('rejects a file that is not CSV/JSONL, naming it', async (t) => {
    const { write } = tempDir(t);
    const path = write('d.xlsx', 'PK...');
    await expectInputError(readLabelledFile(path, COLUMNS), 'unsupported-format', { file: path }, [path, 'not CSV/JSONL']);
  });

  it('a missing file is an InputError naming it', async (t) => {
    const { dir } = tempDir(t);
    await expectInputError(readLabelledFile(`${dir}/nope.csv`, COLUMNS), 'file-not-found', { file: `${dir}/nope.csv` }, ['no such file']);
  });

  it('reads .jsonl, .ndjson and .json-lines; same rows as CSV give the same content hash', async (t) => {
    const { write } = tempDir(t);
    const csv = await readLabelledFile(write('d.csv', 'text,label\n"Milk, ""whole""",milk\nBread,bread\n'), COLUMNS);
    const jsonl = '{"text":"Milk, \\"whole\\"","label":"milk","extra":1}\r\n\n{"label":"bread","text":"Bread"}\n';
    for (const name of ['d.jsonl', 'd.ndjson', 'd.json-lines']) {
      const rows = await readLabelledFile(write(name, jsonl), COLUMNS);
      assert.deepEqual(rows, csv);
      assert.equal(datasetContentHash(rows), datasetContentHash(csv));
    }
  });
});

describe('readLabelledFile: JSONL errors', () => {
  it('a line that is not JSON', async (t) => {
    const { write } = tempDir(t);
    const path = write('d.jsonl', '{"text":"a","label":"x"}\n{"text": "b", label: "y"}\n');
    await expectInputError(readLabelledFile(path, COLUMNS), 'jsonl-bad-line', { file: path, row: 2 }, [path, 'line 2', 'not valid JSON']);
  });

  it('a line that is not an object', async (t) => {
    const { write } = tempDir(t);
    const path = write('d.jsonl', '{"text":"a","label":"x"}\n["b","y"]\n');
    await expectInputError(readLabelledFile(path, COLUMNS), 'jsonl-not-object', { row: 2 }, ['line 2 is an array']);
  });

  it('a missing field lists the fields the line has', async (t) => {
    const { write } = tempDir(t);
    const path = write('d.jsonl', '{"text":"a","label":"x"}\n{"text":"b","Label":"y"}\n');
    await expectInputError(readLabelledFile(path, COLUMNS), 'missing-field', { file: path, row: 2, column: 'label' }, ['line 2 has no field "label"', 'text, Label']);
  });

  it('text must be a string; labels may be numbers (kept as decimal strings)', async (t) => {
    const { write } = tempDir(t);
    const bad = write('bad.jsonl', '{"text":12,"label":"x"}\n');
    await expectInputError(readLabelledFile(bad, COLUMNS), 'jsonl-bad-field', { row: 1, column: 'text' }, ['"text" is a number']);
    const nul = write('nul.jsonl', '{"text":"a","label":null}\n');
    await expectInputError(readLabelledFile(nul, COLUMNS), 'jsonl-bad-field', { row: 1, column: 'label' }, ['null']);
    const ok = await readLabelledFile(write('ok.jsonl', '{"text":"a","label":392410}\n'), COLUMNS);
    assert.deepEqual(ok.labels['label'], ['392410']);
  });

  it('an empty label and an empty file', async (t) => {
    const { write } = tempDir(t);
    await expectInputError(readLabelledFile(write('d.jsonl', '{"text":"a","label":""}\n'), COLUMNS), 'empty-label', { row: 1, column: 'label' }, []);
    await expectInputError(readLabelledFile(write('e.jsonl', '\n  \n'), COLUMNS), 'empty-file', {}, []);
  });
});
