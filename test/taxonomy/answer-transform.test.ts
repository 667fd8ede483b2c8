import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerTransform } from './answer-transform-reference.js';
import type { CorrelationTable, TaxonomyCode } from '../../src/taxonomy/taxonomy.js';

const hs2022: TaxonomyCode[] = ['040320', '620190', '940541', '940542', '940549', '392410'].map((code) => ({ code, description: `desc ${code}`, parents: [] }));
const table: CorrelationTable = {
  id: 'corr-1', contentSha256: '', from: { name: 'hs2017', version: 1 }, to: { name: 'hs2022', version: 1 }, source: '', createdAt: '', createdBy: '', reason: null,
  pairs: [['040310', '040320'], ['620119', '620190'], ['620199', '620190'], ['940540', '940541'], ['940540', '940542'], ['940540', '940549']]
    .map(([oldCode, newCode], i) => ({ oldCode: oldCode!, newCode: newCode!, line: i + 2 })),
};

describe('answerTransform: a model never answers a code outside its endpoint active taxonomy', () => {
  it('without a table, invalid codes are dropped and the best valid one answers, with its description', () => {
    const t = answerTransform(hs2022);
    const a = t([{ label: '382200', score: 0.6 }, { label: '392410', score: 0.3 }, { label: '999999', score: 0.1 }]);
    assert.deepEqual(a.ranked, [{ label: '392410', score: 0.3 }]);
    assert.equal(a.review, null);
    assert.deepEqual(a.descriptions, { '392410': 'desc 392410' });
    assert.deepEqual(t([{ label: '382200', score: 1 }]).review, { reason: 'no-valid-code', candidates: [] });
  });

  it('through a transition table, renumbered and merged codes answer in the new taxonomy (merged scores summed)', () => {
    const a = answerTransform(hs2022, table)([{ label: '620119', score: 0.4 }, { label: '620199', score: 0.3 }, { label: '040310', score: 0.2 }]);
    assert.equal(a.ranked[0]!.label, '620190');
    assert.ok(Math.abs(a.ranked[0]!.score - 0.7) < 1e-12);
    assert.deepEqual(a.ranked[1], { label: '040320', score: 0.2 });
    assert.equal(a.review, null);
  });

  it('a best answer whose code was split goes to review with the candidate codes', () => {
    const a = answerTransform(hs2022, table)([{ label: '940540', score: 0.8 }, { label: '392410', score: 0.1 }]);
    assert.deepEqual(a.review, { reason: 'taxonomy-split', candidates: ['940541', '940542', '940549'] });
    assert.deepEqual(a.ranked, [{ label: '392410', score: 0.1 }]);
  });
});
