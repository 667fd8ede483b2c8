import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { InputError } from '../../src/core/errors.js';
import { readTextsFile, readTextsFromStream } from '../../src/data/read-texts.js';
import { tempDir } from './temp-dir.js';

describe('readTextsFile', () => {
  it('plain text: one text per line, blank lines kept, CRLF and a final break handled', async (t) => {
    const { write } = tempDir(t);
    assert.deepEqual(await readTextsFile(write('in.txt', 'a b\r\n\r\nc\r\n')), ['a b', '', 'c']);
    assert.deepEqual(await readTextsFile(write('in2.txt', 'x')), ['x']);
    assert.deepEqual(await readTextsFile(write('empty.txt', '')), []);
  });

  it('CSV: the text column (default "text"), or the only column', async (t) => {
    const { write } = tempDir(t);
    assert.deepEqual(await readTextsFile(write('a.csv', 'id,text\n1,"x, y"\n2,z\n')), ['x, y', 'z']);
    assert.deepEqual(await readTextsFile(write('b.csv', 'title\nx\n""\n')), ['x', '']);
    assert.deepEqual(await readTextsFile(write('c.csv', 'title,text\nx,y\n'), 'title'), ['x']);
    await assert.rejects(readTextsFile(write('d.csv', 'title,desc\nx,y\n')), (e: unknown) =>
      e instanceof InputError && e.code === 'missing-column' && e.message.includes('"title", "desc"'));
  });

  it('JSONL: the text field', async (t) => {
    const { write } = tempDir(t);
    assert.deepEqual(await readTextsFile(write('a.jsonl', '{"text":"x"}\n{"text":"y","id":2}\n')), ['x', 'y']);
    await assert.rejects(readTextsFile(write('b.jsonl', '{"text":"x"}\n{"txt":"y"}\n')), (e: unknown) =>
      e instanceof InputError && e.facts['row'] === 2 && e.facts['column'] === 'text');
  });

  it('invalid UTF-8 in plain text is an error naming the line', async (t) => {
    const { write } = tempDir(t);
    const path = write('in.txt', Buffer.from([0x61, 0x0a, 0xff, 0x0a]));
    await assert.rejects(readTextsFile(path), (e: unknown) => e instanceof InputError && e.code === 'invalid-utf8' && e.facts['row'] === 2);
  });
});

describe('readTextsFromStream', () => {
  it('reads lines from a stream by default, and CSV/JSONL when told', async () => {
    assert.deepEqual(await readTextsFromStream(Readable.from([Buffer.from('a\nb'), Buffer.from('c\n')])), ['a', 'bc']);
    assert.deepEqual(await readTextsFromStream(Readable.from(['text\n"q,r"\n']), 'csv'), ['q,r']);
    assert.deepEqual(await readTextsFromStream(Readable.from(['{"t":"z"}\n']), 'jsonl', 't'), ['z']);
  });

  it('names <stdin> in errors', async () => {
    await assert.rejects(readTextsFromStream(Readable.from(['{"t":1}\n']), 'jsonl', 't'), (e: unknown) =>
      e instanceof InputError && e.message.startsWith('<stdin>: line 1'));
  });
});
