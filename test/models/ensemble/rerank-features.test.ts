import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyVote } from '../../../src/models/ensemble/near-duplicate-memory.js';
import { paramsRecord, parseEnsembleParams } from '../../../src/models/ensemble/params.js';
import { autoPrefixes, CandidateFeaturiser, emptyCandidates, featureCount, featureNames, labelGroups } from '../../../src/models/ensemble/rerank-features.js';

describe('re-ranker hierarchy levels', () => {
  it('finds the chapter of HS4 codes, chapter and heading of HS6, the two longest levels of a 10-digit code', () => {
    assert.deepEqual(autoPrefixes(['0101', '0102', '8711', '8712']), [2]);
    assert.deepEqual(autoPrefixes(['010121', '010129', '871120', '871210']), [2, 4]);
    assert.deepEqual(autoPrefixes(['8711200010', '8711200020', '8711300000', '8712000000']), [6, 8]);
  });
  it('finds none for names, mixed lengths, or codes that share no prefix', () => {
    assert.deepEqual(autoPrefixes(['fresh fruits', 'fresh vegetables', 'yogurt']), []);
    assert.deepEqual(autoPrefixes(['0101', '01', '8711']), []);
    assert.deepEqual(autoPrefixes(['HS1000', 'HS1001']), []);
    assert.deepEqual(autoPrefixes(['0101', '0201', '8711']), []);
  });
  it('groups labels by prefix', () => {
    const [g] = labelGroups(['0101', '8711', '0102'], [2]);
    assert.deepEqual([...g!.of], [0, 1, 0]);
    assert.equal(g!.count, 2);
  });
});

describe('re-ranker features', () => {
  const labels = ['0101', '0102', '0201', '0202'];
  const logPrior = new Float32Array(4).fill(Math.log(0.25));
  const layout = { prefixes: [2], agreement: true };
  const names = featureNames(['linear', 'fasttext'], layout);
  const col = (name: string) => { const j = names.indexOf(name); assert.ok(j >= 0, name); return j; };

  it('names every feature once, the plain ones first (older artifacts keep their order)', () => {
    assert.equal(names.length, featureCount(2, layout));
    assert.equal(new Set(names).size, names.length);
    assert.deepEqual(names.slice(0, featureCount(2)), featureNames(['linear', 'fasttext']));
    assert.deepEqual(names.slice(featureCount(2)), [
      'linear#0.groupLogProb@2', 'linear#0.groupTop@2', 'fasttext#1.groupLogProb@2', 'fasttext#1.groupTop@2', 'memoryGroupShare@2', 'allMembersTop1', 'memoryTop1',
    ]);
  });

  it('gives a candidate its chapter\'s mass per member and in the memory\'s vote, and the agreement flags', () => {
    const f = new CandidateFeaturiser(2, 4, 2, 2, logPrior, labels, layout);
    // linear: 0201 first (0.4) but chapter 01 holds 0.6; fasttext: 0101 first, chapter 01 holds 0.7.
    const linear = Float32Array.from([0.35, 0.25, 0.4, 0.0]);
    const fasttext = Float32Array.from([0.5, 0.2, 0.2, 0.1]);
    const vote = emptyVote(8);
    vote.count = 3;
    vote.labels.set([2, 0, 3]);
    vote.share.set([0.5, 0.3, 0.2]);
    vote.bestSim.set([0.9, 0.8, 0.7]);
    vote.tokens = 4;
    const out = emptyCandidates(f.maxCandidates, f.features);
    f.build([linear, fasttext], 0, vote, out);
    const F = f.features;
    const row = (label: string) => { const s = [...out.ids.subarray(0, out.count)].indexOf(labels.indexOf(label)); assert.ok(s >= 0, label); return s * F; };
    const x = (label: string, name: string) => out.x[row(label) + col(name)]!;
    // Candidates: linear's top 2 (0201, 0101), fasttext's (0101, 0102 or 0201), the memory's first two (0201, 0101).
    assert.ok(out.count >= 3);
    assert.ok(Math.abs(x('0101', 'linear#0.groupLogProb@2') - Math.log(0.6)) < 1e-6);
    assert.ok(Math.abs(x('0201', 'linear#0.groupLogProb@2') - Math.log(0.4)) < 1e-6);
    assert.ok(Math.abs(x('0101', 'fasttext#1.groupLogProb@2') - Math.log(0.7)) < 1e-6);
    assert.equal(x('0101', 'linear#0.groupTop@2'), 1);
    assert.equal(x('0201', 'linear#0.groupTop@2'), 0);
    assert.equal(x('0201', 'fasttext#1.groupTop@2'), 0);
    // The memory: 0201 and 0202 (chapter 02) 0.7 of the vote, 0101 0.3.
    assert.ok(Math.abs(x('0201', 'memoryGroupShare@2') - 0.7) < 1e-6);
    assert.ok(Math.abs(x('0101', 'memoryGroupShare@2') - 0.3) < 1e-6);
    // Members disagree on their top 1: no candidate has every member's first rank.
    assert.equal(x('0101', 'allMembersTop1'), 0);
    assert.equal(x('0201', 'allMembersTop1'), 0);
    assert.equal(x('0201', 'memoryTop1'), 1);
    assert.equal(x('0101', 'memoryTop1'), 0);

    // The same text again, members now agreeing on 0101: state from the previous text is gone.
    const agree = Float32Array.from([0.6, 0.1, 0.2, 0.1]);
    f.build([agree, fasttext], 0, vote, out);
    assert.equal(x('0101', 'allMembersTop1'), 1);
    assert.ok(Math.abs(x('0201', 'memoryGroupShare@2') - 0.7) < 1e-6, 'memory group mass is reset between texts');
    assert.ok(Math.abs(x('0101', 'linear#0.groupLogProb@2') - Math.log(0.7)) < 1e-6);
  });

  it('without levels or agreement, gives the plain features (as before them)', () => {
    const f = new CandidateFeaturiser(2, 4, 2, 2, logPrior);
    assert.equal(f.features, featureCount(2));
  });
});

describe('ensemble params: prefixes and agreement', () => {
  it('parses auto, none and lengths, and stores resolved lengths as a comma list', () => {
    assert.equal(parseEnsembleParams({ prefixes: 'auto' }).prefixes, 'auto');
    assert.deepEqual(parseEnsembleParams({ prefixes: 'none' }).prefixes, []);
    assert.deepEqual(parseEnsembleParams({ prefixes: '4,2' }).prefixes, [2, 4]);
    assert.equal(paramsRecord(parseEnsembleParams({ prefixes: '4,2' })).prefixes, '2,4');
    assert.equal(paramsRecord(parseEnsembleParams({ prefixes: 'none' })).prefixes, 'none');
    assert.throws(() => parseEnsembleParams({ prefixes: 'two' }), /prefixes/);
    assert.throws(() => parseEnsembleParams({ agreement: 'yes' }), /agreement/);
  });
});
