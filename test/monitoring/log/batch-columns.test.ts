import assert from 'node:assert/strict';
import { test } from 'node:test';
import { columnsOfBatch, rowsOfColumns } from '../../../src/monitoring/log/batch-columns.js';
import { textSha256 } from '../../../src/monitoring/log/text-key.js';
import { decodeSegment, encodeColumnsSegment, encodeSegment } from '../../../src/monitoring/store/sqlite/log-segment.js';
import { computeTextStats } from '../../../src/monitoring/text-stats.js';
import { variedBatch } from './varied-batch.js';

test('a segment written from a batch\'s columns is byte for byte the segment of its rows, whatever the row order and streams', () => {
  const cols = columnsOfBatch(variedBatch(), () => undefined);
  const rows = rowsOfColumns(cols);
  for (const endpoint of ['hs', 'offers']) {
    const mine = rows.map((r, i) => (r.endpoint === endpoint ? i : -1)).filter((i) => i >= 0);
    for (const order of [mine, [...mine].reverse(), [...mine].sort((a, b) => rows[a]!.at - rows[b]!.at || a - b)]) {
      const streams = Int32Array.from(order, (i) => (rows[i]!.role === 'shadow' ? 7 : 3));
      const fromColumns = encodeColumnsSegment(cols, order, streams);
      assert.deepEqual(fromColumns, encodeSegment(rows, order, streams), `${endpoint}, order ${order.join(',')}`);
      assert.equal(decodeSegment(1, fromColumns).length, order.length);
    }
  }
});

test('the columns hold what each row needs: ids and positions, the text\'s key and statistics, features and answered codes', () => {
  const rows = rowsOfColumns(columnsOfBatch(variedBatch(), () => undefined));
  assert.equal(rows.length, 10);
  // One id for a call of four texts: positions 0..3; one id per text: position 0 each; none: ''.
  assert.deepEqual(rows.map((r) => `${r.requestId}#${r.position}`), ['req-a#0', 'req-a#1', 'req-a#2', 'req-a#3', 'm-1#0', 'm-2#0', '#0', 'o-1#0', 'o-1#1', 'req-b#0']);
  for (const r of rows) {
    if (r.text !== null) {
      assert.equal(r.textSha256, textSha256(r.text));
      assert.deepEqual(r.stats, computeTextStats(r.text));
    }
  }
  // The shadow copy's text differs only in case and spacing: the same key as the primary's.
  assert.equal(rows[6]!.textSha256, rows[0]!.textSha256);
  // `offers` logs no text; its model has 3 classes, so 3 ranked; features as used, null when none.
  assert.deepEqual(rows.slice(7, 9).map((r) => [r.text, r.topK.length, r.features]), [
    [null, 3, { 'importer:category_mix': 'shoes', 'importer:orders': 12 }], [null, 3, null]]);
  assert.equal(rows[7]!.textSha256, textSha256('Running shoes size 42'));
  // Renamed; split (review, no code); kept; a code HS 2022 lacks, past which 040320 is the best valid one.
  assert.deepEqual(rows.slice(0, 4).map((r) => r.answered), ['040320', '', '620190', '040320']);
  assert.ok(rows.slice(4).every((r) => r.answered === undefined && (r.endpoint === 'offers') === ('features' in r)));
});
