import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCsv } from '../../src/data/csv.js';
import { InputError } from '../../src/core/errors.js';

function expectInputError(fn: () => unknown, code: string, facts: Record<string, unknown>, messageIncludes: readonly string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
    assert.equal(e.code, code);
    for (const [k, v] of Object.entries(facts)) assert.equal(e.facts[k], v, `fact ${k}`);
    for (const part of messageIncludes) assert.ok(e.message.includes(part), `message "${e.message}" should include "${part}"`);
    return true;
  });
}

describe('parseCsv', () => {
  it('reads quoted fields, doubled quotes, commas and line breaks inside quotes', () => {
    const t = parseCsv('text,label\n"a, b",x\n"say ""hi""",y\n"two\nlines",z\n', 'f.csv');
    assert.deepEqual(t.header, ['text', 'label']);
    assert.deepEqual(t.records, [['a, b', 'x'], ['say "hi"', 'y'], ['two\nlines', 'z']]);
    assert.deepEqual(t.lines, [2, 3, 4]);
  });

  it('accepts CRLF, LF and a missing final line break alike', () => {
    const a = parseCsv('text,label\r\nx,1\r\ny,2\r\n', 'f.csv');
    const b = parseCsv('text,label\nx,1\ny,2', 'f.csv');
    assert.deepEqual(a.records, b.records);
    assert.deepEqual(a.records, [['x', '1'], ['y', '2']]);
  });

  it('keeps CRLF inside a quoted field and counts the lines it spans', () => {
    const t = parseCsv('text,label\r\n"a\r\nb",1\r\nc,2\r\n', 'f.csv');
    assert.deepEqual(t.records, [['a\r\nb', '1'], ['c', '2']]);
    assert.deepEqual(t.lines, [2, 4]);
  });

  it('skips blank lines but keeps empty fields and a quoted empty field', () => {
    const t = parseCsv('text,label\n\n,1\n"",2\n\n', 'f.csv');
    assert.deepEqual(t.records, [['', '1'], ['', '2']]);
    assert.deepEqual(t.lines, [3, 4]);
  });

  it('reads a trailing empty field after a comma', () => {
    assert.deepEqual(parseCsv('a,b\nx,\n', 'f.csv').records, [['x', '']]);
  });

  it('names file, line and column of an unterminated quote', () => {
    expectInputError(() => parseCsv('text,label\nok,1\n"never closed,2\nmore,3\n', 'f.csv'),
      'csv-unterminated-quote', { file: 'f.csv', row: 3, column: 'text' }, ['f.csv', 'line 3', '"text"']);
  });

  it('rejects a stray quote inside an unquoted field, naming the column', () => {
    expectInputError(() => parseCsv('text,label\n12" pizza,1\n', 'f.csv'), 'csv-stray-quote', { row: 2, column: 'text' }, ['line 2']);
  });

  it('rejects text after a closing quote', () => {
    expectInputError(() => parseCsv('text,label\nx,"a"b\n', 'f.csv'), 'csv-bad-quote', { row: 2, column: 'label' }, ['line 2', '"label"']);
  });

  it('rejects a ragged row with both field counts', () => {
    expectInputError(() => parseCsv('text,label\nx,1\ny,2,3\n', 'f.csv'), 'csv-ragged-row', { file: 'f.csv', row: 3, fields: 3, headerFields: 2 },
      ['line 3 has 3 fields', 'header has 2']);
    expectInputError(() => parseCsv('text,label\nonly-one\n', 'f.csv'), 'csv-ragged-row', { row: 2, fields: 1 }, ['line 2 has 1 field,']);
  });

  it('reports the line a record starts on after a multi-line field', () => {
    expectInputError(() => parseCsv('text,label\n"a\nb\nc",1\nbad\n', 'f.csv'), 'csv-ragged-row', { row: 5 }, ['line 5']);
  });

  it('rejects input without any record as empty', () => {
    expectInputError(() => parseCsv('\n\n', 'f.csv'), 'empty-file', { file: 'f.csv' }, ['empty']);
  });
});
