import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ArtifactError } from '../../src/core/errors.js';
import { decodeArtifact, encodeArtifact, readArtifactFile, type ArtifactMeta } from '../../src/models/artifact.js';

const meta: ArtifactMeta = {
  kind: 'linear', labels: ['a', 'b'], featuriser: { wordNgrams: 2 }, params: { c: 0.5 },
  training: { seed: 1, upsample: false, trainRows: 10, validRows: 2 }, metrics: { validAccuracy: 0.9 }, codeVersion: 'lading@test',
};
const sections: Array<[string, Float32Array | Uint16Array | Int32Array]> = [
  ['weights', Float32Array.from([1.5, -2, 3.25])], ['classes', Uint16Array.from([0, 1, 1])], ['indptr', Int32Array.from([0, 2, 3])],
];

test('an artifact round-trips its meta and typed sections, 8-byte aligned', () => {
  const bytes = encodeArtifact(meta, sections);
  const a = decodeArtifact(bytes, 'mem');
  assert.equal(a.header.kind, 'linear');
  assert.deepEqual(a.header.labels, ['a', 'b']);
  assert.deepEqual(Array.from(a.sections.get('weights')!), [1.5, -2, 3.25]);
  assert.ok(a.sections.get('classes') instanceof Uint16Array);
  assert.deepEqual(Array.from(a.sections.get('indptr')!), [0, 2, 3]);
  for (const s of a.header.sections) assert.equal(s.offset % 8, 0);
});

test('the same content encodes to the same bytes', () => {
  assert.deepEqual(encodeArtifact(meta, sections), encodeArtifact(meta, sections));
});

test('a flipped payload byte is refused with both hashes named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-artifact-'));
  const path = join(dir, 'm.lading');
  const bytes = encodeArtifact(meta, sections);
  bytes[bytes.length - 3]! ^= 0xff;
  writeFileSync(path, bytes);
  assert.throws(() => readArtifactFile(path), (e: unknown) => {
    assert.ok(e instanceof ArtifactError);
    assert.equal(e.code, 'artifact-hash-mismatch');
    assert.match(e.message, /m\.lading is corrupt/);
    assert.ok(typeof e.facts['expected'] === 'string' && typeof e.facts['found'] === 'string');
    return true;
  });
});

test('another format version, a truncated file and a non-artifact are refused clearly', () => {
  const bytes = encodeArtifact(meta, sections);
  const headerLength = bytes.readUInt32LE(8);
  const header = bytes.subarray(12, 12 + headerLength).toString('utf8').replace('"format":1', '"format":9');
  const future = Buffer.concat([bytes.subarray(0, 12), Buffer.from(header, 'utf8'), bytes.subarray(12 + headerLength)]);
  assert.throws(() => decodeArtifact(future, 'future.lading'), (e: unknown) => e instanceof ArtifactError && e.code === 'artifact-format-version' && /format 9/.test(e.message));
  assert.throws(() => decodeArtifact(bytes.subarray(0, bytes.length - 4), 't.lading'), (e: unknown) => e instanceof ArtifactError && e.code === 'artifact-truncated');
  assert.throws(() => decodeArtifact(Buffer.from('text,label\nx,y\n'), 'data.csv'), (e: unknown) => e instanceof ArtifactError && e.code === 'artifact-not-lading');
  const dir = mkdtempSync(join(tmpdir(), 'lading-artifact-'));
  assert.throws(() => readArtifactFile(join(dir, 'missing.lading')), (e: unknown) => e instanceof ArtifactError && e.code === 'artifact-unreadable');
});
