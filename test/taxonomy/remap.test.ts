import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DatasetRows } from '../../src/core/dataset.js';
import { InputError } from '../../src/core/errors.js';
import { affectedClasses } from '../../src/taxonomy/affected-classes.js';
import { checkCorrelationPairs } from '../../src/taxonomy/correlation-rules.js';
import { classifyCorrelation } from '../../src/taxonomy/correlation-kinds.js';
import { remapDataset, splitRowsForReview } from '../../src/taxonomy/remap-dataset.js';
import type { CorrelationPair, CorrelationTable, TaxonomyContent } from '../../src/taxonomy/taxonomy.js';

const pairs = (rows: readonly [string, string][]): CorrelationPair[] => rows.map(([oldCode, newCode], i) => ({ oldCode, newCode, line: i + 2 }));
const tableOf = (rows: readonly [string, string][]): CorrelationTable => ({
  id: 'corr-0123456789abcdef', contentSha256: '0'.repeat(64), from: { name: 'cat', version: 1 }, to: { name: 'cat', version: 2 },
  pairs: pairs(rows), source: 't.csv', createdAt: '2026-12-06T00:00:00.000Z', createdBy: 'ana', reason: null,
});
const taxonomy = (codes: readonly string[]): TaxonomyContent => ({
  parentLevels: ['dept'], codes: codes.map((code) => ({ code, description: code, parents: [code.slice(0, 1).toUpperCase()] })),
});

describe('correlation kinds', () => {
  it('a code split in two beside a merge: the split is one-to-many, a code that alone reaches a target is one-to-one, shared targets are many-to-one', () => {
    const kinds = classifyCorrelation(pairs([['a', 'x'], ['a', 'y'], ['b', 'y'], ['c', 'z'], ['d', 'z'], ['e', 'e']]));
    assert.deepEqual(Object.fromEntries([...kinds].map(([k, v]) => [k, [v.kind, v.targets.join('|')]])), {
      a: ['one-to-many', 'x|y'], b: ['one-to-one', 'y'], c: ['many-to-one', 'z'], d: ['many-to-one', 'z'], e: ['one-to-one', 'e'],
    });
  });

  it('a longer cycle within one taxonomy is named with every code; the same rows between two taxonomies are a swap, not a cycle', () => {
    const rows = pairs([['a', 'b'], ['x', 'y'], ['b', 'c'], ['c', 'a']]);
    const codes = new Set(['a', 'b', 'c', 'x', 'y']);
    const check = (to: string) => checkCorrelationPairs({ from: { name: 'cat', version: 1 }, to: { name: to, version: 1 }, pairs: rows, oldCodes: codes, newCodes: codes, file: 'r.csv' });
    assert.throws(() => check('cat'), (e: unknown) => e instanceof InputError && e.facts['row'] === 5 && /a -> b -> c -> a/.test(e.message));
    assert.doesNotThrow(() => check('other'));
  });
});

describe('remapDataset', () => {
  const rows: DatasetRows = {
    textColumn: 'text', labelColumns: ['label', 'dept', 'sku'],
    texts: ['t0', 't1', 't2', 't3', 't4', 't5', 't6'],
    labels: { label: ['a', 'c', 'd', 'k', 'gone', 'k', 'e'], dept: ['A', 'C', 'D', 'K', 'G', 'K', 'E'], sku: ['1', '2', '3', '4', '5', '6', '7'] },
  };
  const table = tableOf([['a', 'x'], ['a', 'y'], ['c', 'z'], ['d', 'z'], ['e', 'e']]);
  const result = remapDataset({ rows, datasetId: 'ds-1', table, newTaxonomy: taxonomy(['x', 'y', 'z', 'k', 'e']) });

  it('relabels merges, keeps codes the new taxonomy has, holds splits and counts labels with no way in', () => {
    assert.deepEqual(result.rows.texts, ['t1', 't2', 't3', 't5', 't6']);
    assert.deepEqual(result.rows.labels['label'], ['z', 'z', 'k', 'k', 'e']);
    assert.deepEqual(result.mapped, { 'one-to-one': 0, 'many-to-one': 2 });
    assert.equal(result.unchanged, 3);
    assert.deepEqual(result.split, [{ row: 0, text: 't0', oldCode: 'a', candidates: ['x', 'y'] }]);
    assert.deepEqual(result.unmapped, [{ label: 'gone', rows: 1 }]);
  });

  it('recomputes parent columns from the new taxonomy and drops the columns it cannot derive', () => {
    assert.deepEqual(result.rows.labelColumns, ['label', 'dept']);
    assert.deepEqual(result.rows.labels['dept'], ['Z', 'Z', 'K', 'K', 'E']);
    assert.deepEqual(result.droppedColumns, ['sku']);
    assert.match(result.lineage, /^taxonomy-map:ds-1 cat@1 -> cat@2 via corr-0123456789abcdef \(5 rows kept, 1 split rows held for review, 1 unmapped left out\)$/);
  });

  it('reviewed rows stay marked where they land; dropped ones leave the marks', () => {
    const marked = remapDataset({ rows: { ...rows, reviewRows: [0, 3, 4, 6] }, datasetId: 'ds-1', table, newTaxonomy: taxonomy(['x', 'y', 'z', 'k', 'e']) });
    // t0 is split, t4 unmapped; t3 and t6 land at rows 2 and 4.
    assert.deepEqual(marked.rows.reviewRows, [2, 4]);
    assert.equal(result.rows.reviewRows, undefined);
  });

  it('split rows become review items with the candidates as suggestions', () => {
    assert.deepEqual(splitRowsForReview(result, table), [{ text: 't0', suggestions: ['x', 'y'], reason: 'taxonomy split: a (cat@1) became x, y in cat@2 (corr-0123456789abcdef)' }]);
  });
});

describe('affectedClasses', () => {
  it('lists changed classes and classes the new taxonomy lacks, busiest first, with the share of answers', () => {
    const report = affectedClasses({
      labels: ['a', 'c', 'e', 'k', 'gone'], table: tableOf([['a', 'x'], ['a', 'y'], ['c', 'z'], ['e', 'e']]), newCodes: new Set(['x', 'y', 'z', 'k', 'e']),
      predictionCounts: new Map([['a', 2], ['c', 5], ['e', 10], ['k', 3]]),
    });
    assert.deepEqual(report.classes.map((c) => [c.label, c.kind, c.predictions]), [['c', 'one-to-one', 5], ['a', 'one-to-many', 2], ['gone', 'not-in-new', 0]]);
    assert.deepEqual([report.predictions, report.affectedPredictions, report.affectedShare, report.modelClasses], [20, 7, 0.35, 5]);
  });

  it('without logged answers the share is null, not zero', () => {
    const report = affectedClasses({ labels: ['a'], table: tableOf([['a', 'x']]), newCodes: new Set(['x']), predictionCounts: new Map() });
    assert.equal(report.affectedShare, null);
  });
});
