import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DatasetRows } from '../../src/core/dataset.js';
import { decodeDatasetRows, encodeDatasetRows } from '../../src/core/dataset-codec.js';
import { ArtifactError } from '../../src/core/errors.js';

const rows: DatasetRows = { textColumn: 'text', labelColumns: ['label'], texts: ['cups', 'tv', 'shrimp'], labels: { label: ['3923', '8528', '0306'] } };
const header = (bytes: Uint8Array) => JSON.parse(Buffer.from(bytes).toString('utf8').split('\n')[0]!) as Record<string, unknown>;

test('rows without reviewed rows keep format version 1 (their bytes, and so their dataset ids, do not change)', () => {
  assert.equal(header(encodeDatasetRows(rows)).version, 1);
  assert.deepEqual(encodeDatasetRows({ ...rows, reviewRows: [] }), encodeDatasetRows(rows));
});

test('reviewed rows are written as version 3 and read back, with and without feature columns', () => {
  const reviewed: DatasetRows = { ...rows, reviewRows: [0, 2] };
  assert.equal(header(encodeDatasetRows(reviewed)).version, 3);
  assert.deepEqual(decodeDatasetRows(encodeDatasetRows(reviewed), 'ds-x'), reviewed);
  const withFeatures: DatasetRows = { ...reviewed, featureColumns: ['origin'], features: { origin: ['CN', null, 'VN'] } };
  assert.deepEqual(decodeDatasetRows(encodeDatasetRows(withFeatures), 'ds-x'), withFeatures);
});

test('stored reviewed rows that are not ascending row numbers of the dataset are refused, naming the dataset', () => {
  const good = Buffer.from(encodeDatasetRows({ ...rows, reviewRows: [1] })).toString('utf8');
  for (const bad of ['[3]', '[1,1]', '[2,1]', '[-1]', '[0.5]', '"1"']) {
    const bytes = Buffer.from(good.replace('"reviewRows":[1]', `"reviewRows":${bad}`));
    assert.throws(() => decodeDatasetRows(bytes, 'ds-abc'), (e: unknown) => e instanceof ArtifactError && /ds-abc/.test(e.message) && /reviewed rows/.test(e.message), bad);
  }
});
