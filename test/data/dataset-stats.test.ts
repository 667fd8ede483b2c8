import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeDatasetStats } from '../../src/data/dataset-stats.js';
import { rowsOf } from './rows.js';

describe('computeDatasetStats', () => {
  it('counts duplicates and conflicts on normalised text', () => {
    const rows = rowsOf([
      ['Red Apple', 'fruit'],
      ['red  apple ', 'fruit'], // duplicate, same label
      ['RED APPLE', 'veg'], // duplicate, conflicting label
      ['Milk', 'dairy'],
      ['milk', 'dairy'], // duplicate, no conflict
      ['Ｍｉｌｋ', 'dairy'], // NFKC full-width: duplicate
      ['Bread', 'bakery'],
      ['bread', 'snacks'], // conflict
      ['', 'misc'],
      ['   ', 'misc'], // empty after normalisation, and a duplicate of ''
    ]);
    const s = computeDatasetStats(rows);
    assert.equal(s.rows, 10);
    assert.equal(s.duplicateRows, 6);
    assert.equal(s.conflictingTexts, 2);
    assert.deepEqual(s.conflictExamples, [
      { text: 'Red Apple', labels: [{ label: 'fruit', count: 2 }, { label: 'veg', count: 1 }] },
      { text: 'Bread', labels: [{ label: 'bakery', count: 1 }, { label: 'snacks', count: 1 }] },
    ]);
    assert.equal(s.emptyTexts, 2);
  });

  it('histograms: most frequent first, ties by label; class counts per column', () => {
    const rows = rowsOf([['a', 'x'], ['b', 'y'], ['c', 'y'], ['d', 'w'], ['e', 'z']], { dept: ['p', 'p', 'p', 'q', 'q'] });
    const s = computeDatasetStats(rows);
    assert.deepEqual(s.labelHistogram['label'], [
      { label: 'y', count: 2 }, { label: 'w', count: 1 }, { label: 'x', count: 1 }, { label: 'z', count: 1 },
    ]);
    assert.deepEqual(s.classes, { label: 4, dept: 2 });
  });

  it('lengths, tokens and overlong texts', () => {
    const rows = rowsOf([['one', 'a'], ['two words', 'a'], ['a-b c,d', 'b'], ['x'.repeat(12), 'b']]);
    const s = computeDatasetStats(rows, 10);
    assert.equal(s.overlongTexts, 1);
    assert.equal(s.overlongThreshold, 10);
    assert.deepEqual(s.textLength, { min: 3, median: 8, max: 12 });
    assert.deepEqual(s.tokens, { median: 1.5, max: 4 });
  });

  it('keeps at most 20 conflict examples but counts them all', () => {
    const pairs: [string, string][] = [];
    for (let i = 0; i < 30; i++) pairs.push([`item ${i}`, 'a'], [`ITEM ${i}`, 'b']);
    const s = computeDatasetStats(rowsOf(pairs));
    assert.equal(s.conflictingTexts, 30);
    assert.equal(s.conflictExamples.length, 20);
  });

  it('a label column named like an Object property stays an own property', () => {
    const rows = { textColumn: 'text', labelColumns: ['__proto__'], texts: ['a'], labels: Object.fromEntries([['__proto__', ['x']]]) };
    const s = computeDatasetStats(rows);
    assert.ok(Object.hasOwn(s.classes, '__proto__'));
    assert.equal(s.classes['__proto__'], 1);
  });
});
