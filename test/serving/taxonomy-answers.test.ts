import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileClassMapping, type ServingTaxonomy } from '../../src/serving/serving-taxonomy.js';
import { mapAnswers, taxonomyDecisions, taxonomyReview } from '../../src/serving/taxonomy-answers.js';
import { answerTransform } from '../taxonomy/answer-transform-reference.js';
import type { CorrelationTable, TaxonomyCode } from '../../src/taxonomy/taxonomy.js';
import { classifyCorrelation } from '../../src/taxonomy/correlation-kinds.js';

const codes = ['040320', '620190', '940541', '940542', '940549', '392410'];
const hs2022: TaxonomyCode[] = codes.map((code) => ({ code, description: `desc ${code}`, parents: [] }));
const pairs = [['040310', '040320'], ['620119', '620190'], ['620199', '620190'], ['940540', '940541'], ['940540', '940542'], ['940540', '940549']]
  .map(([oldCode, newCode], i) => ({ oldCode: oldCode!, newCode: newCode!, line: i + 2 }));
const table: CorrelationTable = { id: 'corr-1', contentSha256: '', from: { name: 'hs2017', version: 1 }, to: { name: 'hs2022', version: 1 }, source: '', createdAt: '', createdBy: '', reason: null, pairs };
const served: ServingTaxonomy = {
  ref: 'hs2022@1', descriptions: new Map(hs2022.map((c) => [c.code, c.description])),
  remap: { id: 'corr-1', targets: new Map([...classifyCorrelation(pairs)].map(([k, v]) => [k, v.targets])) },
};
// A model of the old taxonomy: renamed, merged, split, kept and unknown codes.
const labels = ['040310', '620119', '620199', '940540', '392410', '382200', '999999'];

/** Seeded LCG: the same rows every run. */
function rows(n: number, seed: number): Float32Array {
  let s = seed;
  const out = new Float32Array(n * labels.length);
  for (let r = 0; r < n; r++) {
    let sum = 0;
    for (let c = 0; c < labels.length; c++) { s = (s * 1103515245 + 12345) % 2147483648; out[r * labels.length + c] = s / 2147483648; sum += out[r * labels.length + c]!; }
    for (let c = 0; c < labels.length; c++) out[r * labels.length + c]! /= sum;
  }
  return out;
}

describe('mapAnswers: the batch form of answerTransform on typed arrays', () => {
  it('gives what answerTransform gives for every text: codes, summed scores, split and no-valid-code reviews', () => {
    const mapping = compileClassMapping(labels, served);
    const reference = answerTransform(hs2022, table);
    const proba = rows(300, 7);
    const n = proba.length / labels.length;
    const topIds = new Int32Array(n);
    const topScores = new Float32Array(n);
    const t = mapAnswers(mapping, { proba, topIds, topScores }, labels.length, labels.length, labels.length);
    for (let r = 0; r < n; r++) {
      const ranked = labels.map((label, c) => ({ label, score: proba[r * labels.length + c]! })).sort((a, b) => b.score - a.score || labels.indexOf(a.label) - labels.indexOf(b.label));
      const want = reference(ranked);
      const got = Array.from({ length: t.counts[r]! }, (_, j) => ({ label: mapping.codes[t.codes[r * t.k + j]!]!, score: t.scores[r * t.k + j]! }));
      assert.deepEqual(got.map((g) => g.label), want.ranked.map((w) => w.label), `text ${r}`);
      got.forEach((g, j) => assert.ok(Math.abs(g.score - want.ranked[j]!.score) < 1e-6));
      assert.equal(taxonomyReview(t, r), want.review?.reason ?? null, `text ${r}`);
      if (want.review?.reason === 'taxonomy-split') assert.deepEqual([...mapping.splits.get(t.splitClass[r]!)!].map((c) => mapping.codes[c]), want.review.candidates);
    }
    assert.ok([...Array(n).keys()].some((r) => taxonomyReview(t, r) === 'taxonomy-split'), 'the rows hold splits');
  });

  it('decisions: review whenever the taxonomy routes, else the thresholds of the class behind the code', () => {
    const mapping = compileClassMapping(labels, served);
    // Text 0: best 940540 (split). Text 1: best 382200 (no way in), then 392410. Text 2: only unknown codes searched.
    const proba = Float32Array.from([
      0, 0, 0, 0.6, 0.3, 0.1, 0,
      0, 0, 0, 0, 0.2, 0.7, 0.1,
      0, 0, 0, 0, 0, 0.6, 0.4,
    ]);
    const t = mapAnswers(mapping, { proba, topIds: new Int32Array(3), topScores: new Float32Array(3) }, labels.length, 2, 2);
    assert.deepEqual([0, 1, 2].map((r) => taxonomyReview(t, r)), ['taxonomy-split', null, 'no-valid-code']);
    assert.equal(mapping.codes[t.codes[1 * t.k]!], '392410');
    assert.deepEqual([...taxonomyDecisions(t, undefined)], [0, 1, 0]);
    const thresholds = new Float32Array(labels.length).fill(0.5);
    assert.deepEqual([...taxonomyDecisions(t, thresholds)], [0, 0, 0], '392410 at 0.2 is below its 0.5 threshold');
    assert.deepEqual([...taxonomyDecisions(t, null)], [0, 0, 0], 'a model that cannot decide routes everything');
  });

  it('a model whose labels are all codes of the taxonomy skips the table and maps as itself', () => {
    const m = compileClassMapping(['040320', '392410'], served);
    assert.equal(m.identity, true);
    assert.equal(m.remap, undefined);
  });
});

describe('mapAnswers: codes near the guesses of a text with no valid code', () => {
  // A taxonomy that lacks 382200 and 999999 but has codes of 3822's heading and of 9405's subheading group.
  const gaps: ServingTaxonomy = { ref: 'gaps@1', descriptions: new Map([['382211', 'a'], ['382219', 'b'], ['940541', 'c'], ['940542', 'd'], ['040320', 'e']]) };
  const own = ['382200', '999999', '940540', '040320'];
  const answerOf = (p: number[]) => ({ proba: Float32Array.from(p), topIds: Int32Array.of(p.indexOf(Math.max(...p))), topScores: Float32Array.of(Math.max(...p)) });

  it('ranks the codes near each searched guess by the guesses\' summed scores; none when a valid code was found', () => {
    const mapping = compileClassMapping(own, gaps);
    const none = mapAnswers(mapping, answerOf([0.5, 0.2, 0.2, 0.1]), own.length, 10, 1);
    assert.equal(taxonomyReview(none, 0), null, '040320 is valid: it is answered, and nothing near is offered');
    assert.equal(none.near, undefined);
    const mapping2 = compileClassMapping(own.slice(0, 3), gaps);
    const t = mapAnswers(mapping2, answerOf([0.3, 0.1, 0.6]), 3, 10, 1);
    assert.equal(taxonomyReview(t, 0), 'no-valid-code');
    const near = Array.from(t.near!.codes.subarray(0, t.near!.counts[0]), (c) => mapping2.codes[c]);
    assert.deepEqual(near, ['940541', '940542', '382211', '382219'], '9405 (0.6) before 3822 (0.3); 999999 shares no chapter with any code');
    assert.deepEqual(Array.from(t.near!.scores.subarray(0, 4), (s) => Math.round(s * 10) / 10), [0.6, 0.6, 0.3, 0.3]);
  });
});
