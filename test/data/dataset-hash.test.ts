import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeDatasetRows } from '../../src/core/dataset-codec.js';
import { ArtifactError } from '../../src/core/errors.js';
import { canonicalDatasetBytes, datasetContentHash } from '../../src/data/dataset-hash.js';
import { rowsOf } from './rows.js';

describe('datasetContentHash', () => {
  const base = rowsOf([['a "quoted"\ntext', 'x'], ['b', 'y']]);

  it('is stable and round-trips through the canonical bytes', () => {
    assert.equal(datasetContentHash(base), datasetContentHash(rowsOf([['a "quoted"\ntext', 'x'], ['b', 'y']])));
    assert.match(datasetContentHash(base), /^[0-9a-f]{64}$/);
    assert.deepEqual(decodeDatasetRows(canonicalDatasetBytes(base), 'mem'), base);
  });

  it('changes with row order, column names and any cell', () => {
    const h = datasetContentHash(base);
    assert.notEqual(datasetContentHash(rowsOf([['b', 'y'], ['a "quoted"\ntext', 'x']])), h);
    assert.notEqual(datasetContentHash({ ...base, textColumn: 'title' }), h);
    assert.notEqual(datasetContentHash({ ...base, labelColumns: ['aisle'], labels: { aisle: base.labels['label']! } }), h);
    assert.notEqual(datasetContentHash(rowsOf([['a "quoted"\ntext', 'x'], ['b', 'y ']])), h);
  });

  it('cannot be fooled by field separators inside values', () => {
    const a = rowsOf([['a","b', 'c']]);
    const b = { textColumn: 'text', labelColumns: ['label', 'l2'], texts: ['a'], labels: { label: ['b'], l2: ['c'] } };
    assert.notEqual(datasetContentHash(a), datasetContentHash(b));
  });

  it('decoding rejects truncated or foreign bytes', () => {
    const bytes = canonicalDatasetBytes(base);
    assert.throws(() => decodeDatasetRows(bytes.subarray(0, bytes.length - 3), 'x'), ArtifactError);
    assert.throws(() => decodeDatasetRows(Buffer.from('hello\n'), 'x'), ArtifactError);
  });
});
