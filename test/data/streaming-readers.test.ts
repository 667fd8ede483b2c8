import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Readable } from 'node:stream';
import { InputError } from '../../src/core/errors.js';
import { batchPieces } from '../../src/data/batch-pieces.js';
import { parseCsv } from '../../src/data/csv.js';
import { csvStream } from '../../src/data/csv-stream.js';
import { jsonlStream, parseJsonl } from '../../src/data/jsonl.js';
import { labelledRows, readLabelledFile } from '../../src/data/read-labelled-file.js';
import { textsOfStream } from '../../src/data/read-texts.js';
import { decodeUtf8Strict } from '../../src/data/utf8.js';
import { decodeUtf8Stream } from '../../src/data/utf8-stream.js';
import { tempDir } from './temp-dir.js';

/** `bytes` cut into chunks of `size` bytes: boundaries fall inside characters, CRLF pairs and quotes. */
function chunked(bytes: Uint8Array, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(Buffer.from(bytes.subarray(i, i + size)));
  return Readable.from(chunks);
}

async function caught(work: () => Promise<unknown>): Promise<InputError> {
  try {
    await work();
  } catch (e) {
    assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
    return e;
  }
  throw new Error('expected an error');
}

async function streamedCsv(bytes: Uint8Array, size: number): Promise<{ header: readonly string[]; records: string[][]; lines: number[] }> {
  const records: string[][] = [];
  const lines: number[] = [];
  let header: readonly string[] = [];
  for await (const piece of csvStream(decodeUtf8Stream(chunked(bytes, size), 'f.csv'), 'f.csv')) {
    header = piece.header;
    records.push(...piece.records);
    lines.push(...piece.lines);
  }
  return { header, records, lines };
}

const TRICKY_CSV = '\uFEFFtext,label\r\n"a, b",x\r\n\r\n"say ""hi""",y\n"two\r\nlines\nthree",z\rcafé 東京 🚲,w\n"",v\n';

describe('streaming readers agree with the whole-text parsers, whatever the chunk size', () => {
  it('CSV: records, the line each starts on, BOM, CRLF, lone CR and quoted line breaks', async () => {
    const bytes = Buffer.from(TRICKY_CSV, 'utf8');
    const whole = parseCsv(decodeUtf8Strict(bytes, 'f.csv'), 'f.csv');
    assert.deepEqual(whole.lines, [2, 4, 5, 8, 9]);
    for (const size of [1, 2, 3, 7, 64, 1 << 20]) {
      const streamed = await streamedCsv(bytes, size);
      assert.deepEqual(streamed, { header: whole.header, records: whole.records, lines: whole.lines }, `chunks of ${size}`);
    }
  });

  it('CSV errors name the same file, line and column when streamed', async () => {
    const cases: Array<[string, string]> = [
      ['text,label\nok,1\n"never closed,2\nmore,3\n', 'csv-unterminated-quote'],
      ['text,label\n"a\nb",1\n12" pizza,1\n', 'csv-stray-quote'],
      ['text,label\nx,"a"b\n', 'csv-bad-quote'],
      ['text,label\n"a\nb\nc",1\nbad\n', 'csv-ragged-row'],
    ];
    for (const [text, code] of cases) {
      let expected: InputError | undefined;
      try { parseCsv(text, 'f.csv'); } catch (e) { expected = e as InputError; }
      assert.equal(expected?.code, code);
      for (const size of [1, 5, 4096]) {
        const e = await caught(() => streamedCsv(Buffer.from(text), size));
        assert.deepEqual([e.code, e.message, e.facts], [expected!.code, expected!.message, expected!.facts], `${code}, chunks of ${size}`);
      }
    }
  });

  it('JSONL: records and line numbers; a bad line is named', async () => {
    const text = '{"text":"a","label":"x"}\r\n\n{"text":"é\\n","label":1}\n{"text":"b","label":"y"}';
    const whole = parseJsonl(text, 'f.jsonl');
    for (const size of [1, 3, 1000]) {
      const streamed = [];
      for await (const piece of jsonlStream(decodeUtf8Stream(chunked(Buffer.from(text), size), 'f.jsonl'), 'f.jsonl')) streamed.push(...piece);
      assert.deepEqual(streamed, whole);
    }
    const e = await caught(async () => { for await (const _ of jsonlStream(decodeUtf8Stream(chunked(Buffer.from('{"a":1}\n\n[1]\n'), 2), 'g'), 'g')); });
    assert.deepEqual([e.code, e.facts['row']], ['jsonl-not-object', 3]);
  });

  it('UTF-8: the error names line, byte and file offset as decodeUtf8Strict does, wherever the chunk boundary falls', async () => {
    const bytes = Buffer.concat([Buffer.from('\uFEFFtext,label\nok,1\nbad é ', 'utf8'), Buffer.from([0xe9]), Buffer.from(' latin1,2\n', 'utf8')]);
    let expected: InputError | undefined;
    try { decodeUtf8Strict(bytes, 'f.csv'); } catch (e) { expected = e as InputError; }
    assert.match(expected!.message, /line 3 is not valid UTF-8 \(byte 0xe9 at file offset 26, byte 8 of the line\)/);
    for (const size of [1, 2, 3, 4, 5, 11, 1 << 16]) {
      const e = await caught(async () => { for await (const _ of decodeUtf8Stream(chunked(bytes, size), 'f.csv')); });
      assert.deepEqual([e.message, e.facts], [expected!.message, expected!.facts], `chunks of ${size}`);
    }
    // A character cut off by the end of the input.
    const cut = await caught(async () => { for await (const _ of decodeUtf8Stream(chunked(Buffer.from([0x61, 0x0a, 0xe2, 0x82]), 1), 'g')); });
    assert.deepEqual([cut.code, cut.facts['row'], cut.facts['byteOffset']], ['invalid-utf8', 2, 2]);
  });
});

describe('labelledRows', () => {
  it('yields checked rows piece by piece, and readLabelledFile collects the same rows', async (t) => {
    const { write } = tempDir(t);
    const lines = ['text,label,dept'];
    for (let i = 0; i < 20_000; i++) lines.push(`"item ${i}, boxed",${i % 7},d${i % 3}`);
    const path = write('big.csv', `${lines.join('\n')}\n`);
    let pieces = 0;
    let rows = 0;
    for await (const piece of labelledRows(path, { text: 'text', labels: ['label', 'dept'] })) {
      pieces++;
      assert.equal(piece.labels.length, 2);
      assert.equal(piece.texts[0], `item ${rows}, boxed`);
      assert.equal(piece.lines[0], rows + 2);
      rows += piece.texts.length;
    }
    assert.equal(rows, 20_000);
    assert.ok(pieces > 1, 'more than one piece: the file was not read whole');
    const all = await readLabelledFile(path, { text: 'text', labels: ['label', 'dept'] });
    assert.equal(all.texts.length, 20_000);
    assert.equal(all.labels['dept']![19_999], `d${19_999 % 3}`);
  });

  it('a wrong column fails on the header, before the rest of the file is read', async (t) => {
    const { write } = tempDir(t);
    // The bad row far down is never reached: the header is checked first.
    const path = write('d.csv', `text,Label\nx,1\n${'y,2\n'.repeat(50_000)}bad"row,3\n`);
    const e = await caught(async () => { for await (const _ of labelledRows(path, { text: 'text', labels: ['label'] })); });
    assert.deepEqual([e.code, e.facts['column']], ['missing-column', 'label']);
  });
});

describe('textsOfStream + batchPieces', () => {
  it('reads a CSV text column from a stream in batches of the asked size, in order', async () => {
    const csv = `id,text\n${Array.from({ length: 10 }, (_, i) => `${i},"t ${i}"`).join('\r\n')}\r\n`;
    const batches: string[][] = [];
    for await (const b of batchPieces(textsOfStream(chunked(Buffer.from(csv), 4), 'csv', undefined, 'in.csv'), 4, 60_000)) batches.push(b);
    assert.deepEqual(batches.map((b) => b.length), [4, 4, 2]);
    assert.deepEqual(batches.flat(), Array.from({ length: 10 }, (_, i) => `t ${i}`));
  });

  it('gives out a partial batch when the input pauses', async () => {
    async function* slow(): AsyncGenerator<string[]> {
      yield ['a', 'b'];
      await new Promise((r) => setTimeout(r, 200));
      yield ['c'];
    }
    const seen: Array<{ batch: string[]; at: number }> = [];
    const start = Date.now();
    for await (const batch of batchPieces(slow(), 100, 20)) seen.push({ batch, at: Date.now() - start });
    assert.deepEqual(seen.map((s) => s.batch), [['a', 'b'], ['c']]);
    assert.ok(seen[0]!.at < 150, `the first batch came after ${seen[0]!.at} ms, before the pause ended`);
  });
});
