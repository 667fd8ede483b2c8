import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeSegment, encodeSegment, storedPredictionOf } from '../../../src/monitoring/store/sqlite/log-segment.js';
import { prediction } from './fixtures.js';

// Two rows (requestId r0/r1, text "t 0"/"t 1") as the encoder wrote them before entity features were logged (format LSG1).
const LSG1 = 'MUdTTAIAAAABAAAAGgAAABAAAAAIAAAACAAAABAAAAAQAAAACAAAAAgAAAAIAAAACAAAAAgAAAAMAAAAEAAAAAwAAAAIAAAAEAAAAAgAAAAQAAAAEAAAAAgAAAAIAAAACAAAAAQAAAAEAAAABgAAAIAAAAABAAAAAAAAAABAj0AAAAAAAEiPQAcAAAAHAAAAAAAAAAAAAAAAAAAAAADgPwAAAAAAAOA/AAAAAAAA8D8AAAAAAADwPwMAAAADAAAAAgAAAAIAAAABAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAQAAAAAAAAAAQAAAAIAAAABAAAAAgAAAAAAAAABAAAAAgAAAAAAAAAAAAAAAAAAAAAAAAAAAOA/AAAAAAAA4D8AAAAAAAAAALLG6LSz8ihDRiOA4+kVKUN42hCikPMIQ3jaEKKQ8whDAgAAAAIAAAADAAAAAwAAAEAAAABAAAAAAQAAAAAAAAByMHIxAAAAAHQgMHQgMQAAYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJ4AAAAAAAAAA==';
// fixtures.prediction(0, {features: {'v:f': 'x'}}) and prediction(1) as the encoder wrote them before answered codes were logged (format LSG2).
const LSG2 = 'MkdTTAIAAAAGAAAAHAAAABAAAAAIAAAACAAAABAAAAAQAAAACAAAAAgAAAAIAAAACAAAAAgAAAAMAAAATAAAAAwAAAAoAAAAUAAAAAgAAAAQAAAAEAAAAAgAAAAIAAAACAAAABgAAAAIAAAACgAAAHUAAACAAAAAKgAAAAsAAAAAAIBW/rx4QgCAvlb+vHhCAAAAAAAAAAAAAAAAAAAAAIXrUbgeheM/WmQ730+N4z8AAAAAAAD0PwAAAAAAAAJAOAAAADkAAAAJAAAACgAAAAIAAAADAAAAAQAAAAUAAAAAAAAAAwAAAAAAAAAJAAAAEwAAAAAAAAADi606BKUBDS9X5jPa9oNxf5nyjS2nKWRRBodcpEuPVtPLfy6GKCncvOwdASnmAbSc1DNn5vSqO0IEAyZ4LwzowbuOYnWAzZVhtb6ZAAAAAAAAAAAFAAAACgAAAAAAAAAAAAAAAQAAAAIAAAADAAAABAAAAAUAAAABAAAAAgAAAAMAAAAEAAAAhetRuB6F4z+amZmZmZnJP5qZmZmZmbk/mpmZmZmZqT/mtfr4sEiJP1pkO99PjeM/mpmZmZmZyT+amZmZmZm5P5qZmZmZmak/5rX6+LBIiT8AAAAABQAAAEpOxbu1jipDEPXexEmuCUNwbIuuV4onQ2QGrSTzch9DBQAAAAUAAAA4AAAAOQAAAEAAAABAAAAABwAAAAcAAAAHAAAABwAAAAcAAAAHAAAACwAAAP////9yZXEtMHJlcS0xAAAAAAAAU3RhaW5sZXNzIHN0ZWVsIGtpdGNoZW4ga25pZmUsIDIwIGNtIGJsYWRlLCBibGFjayBoYW5kbGVPcmdhbmljIGdyZWVuIHRlYSAxMDAgYmFncyBHcsO2w59lIE0g4oCUIFNlbmNoYSBmcm9tIFNoaXp1b2thAAAAZTUzZTgxYWI3Yjk0NTEyNTgwYTc3MGFjZWRjYmI5MjQwNjcxZWUyMWYwMzg3MjhjNTEzNGMxZjliMzhlMjZiNWVhYWQxMzE1NWMyY2Y0NmE3ZTkwMTMxZDA1YmExODlhY2U0YWZhYmI2NDMzODdkYTJjNDNkY2U2M2ZiNGQwY2JjbGFzcy0wY2xhc3MtYmNsYXNzLWNjbGFzcy1kY2xhc3MtZWNsYXNzLTEAAAAAAAB7InY6ZiI6IngifQAAAAAA';
const stream = { endpoint: 'hs', variant: 'main', role: 'primary' as const, model: 'm', version: '1', modelSha256: 'a'.repeat(64) };

test('log segments written before entity features (LSG1) are still read, with no features; newer ones keep them', () => {
  const old = decodeSegment(10, Buffer.from(LSG1, 'base64'));
  assert.equal(old.length, 2);
  const row = storedPredictionOf(old, 1, 'hs', stream);
  assert.deepEqual([row.seq, row.requestId, row.text, row.label, row.at], [11, 'r1', 't 1', 'x', 1001]);
  assert.deepEqual([...row.stats.tokenHashes], [1, 2]);
  assert.equal('features' in row, false);
  const rows = [prediction(0, { features: { 'v:f': 'x', 'v:n': 3 } }), prediction(1, { features: null }), prediction(2)];
  const seg = decodeSegment(0, encodeSegment(rows, [0, 1, 2], new Int32Array(3)));
  assert.deepEqual([0, 1, 2].map((i) => seg.features(i)), [{ 'v:f': 'x', 'v:n': 3 }, null, undefined]);
});

test('log segments written before answered codes (LSG2) are still read, with their features and no answered code; new ones (LSG3) keep it', () => {
  const old = decodeSegment(20, Buffer.from(LSG2, 'base64'));
  assert.equal(old.length, 2);
  const rows = [0, 1].map((i) => storedPredictionOf(old, i, 'hs', stream));
  assert.deepEqual(rows.map(({ seq, requestId, label, features }) => ({ seq, requestId, label, features })),
    [{ seq: 20, requestId: 'req-0', label: 'class-0', features: { 'v:f': 'x' } }, { seq: 21, requestId: 'req-1', label: 'class-1', features: undefined }]);
  assert.ok(rows.every((r) => !('answered' in r)));
  const written = [prediction(0, { answered: '040320' }), prediction(1, { answered: '' }), prediction(2), prediction(3, { answered: 'class-0' })];
  const seg = decodeSegment(0, encodeSegment(written, [0, 1, 2, 3], new Int32Array(4)));
  assert.deepEqual([0, 1, 2, 3].map((i) => seg.answered(i)), ['040320', '', undefined, 'class-0']);
  assert.deepEqual([0, 1, 2, 3].map((i) => storedPredictionOf(seg, i, 'hs', stream).label), written.map((r) => r.label), 'labels and answered codes share one dictionary');
});
