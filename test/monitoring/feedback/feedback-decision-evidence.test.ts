import assert from 'node:assert/strict';
import { test } from 'node:test';
import { feedbackDecisionEvidence } from '../../../src/monitoring/feedback/feedback-decision-evidence.js';
import type { FeedbackRecord } from '../../../src/monitoring/store/monitoring-store.js';
import { classOfAnsweredCode, compileClassMapping, type ServingTaxonomy } from '../../../src/serving/serving-taxonomy.js';

const labels = ['3924', '8471', '8528'];
function labelled(seq: number, answered: string, label: string, time: number, sha = 'm1'): FeedbackRecord {
  return {
    endpoint: 'hs', time, receivedAt: time, label, source: 'broker', requestId: null, position: null, text: null, textSha256: `t${seq}`, newClass: false,
    prediction: { seq, variant: 'main', model: 'hs', version: '1', modelSha256: sha, label: answered, score: 0.5 + seq / 100, at: time - 10 },
  };
}

test('delayed labels become decision rows: the newest label of an answer wins; other models\' answers and unjoined labels are left out', () => {
  const e = feedbackDecisionEvidence([
    labelled(1, '8471', '8471', 100),
    labelled(2, '8528', '8471', 100),
    labelled(2, '8528', '8528', 200), // a later ruling: the model was right after all
    labelled(3, '3924', '8471', 100, 'm2'),
    { ...labelled(4, '3924', '3924', 100), prediction: null },
  ], { sha256: 'm1', labels })!;
  assert.deepEqual([...e.predicted], [1, 2]);
  assert.deepEqual([...e.correct], [1, 1]);
  assert.deepEqual([...e.confidence], [Math.fround(0.51), Math.fround(0.52)]);
  assert.deepEqual([...e.weight], [1, 1]);
  assert.equal(feedbackDecisionEvidence([labelled(3, '3924', '8471', 100, 'm2')], { sha256: 'm1', labels }), undefined);
});

test('under a transition table, a label of a renamed code counts for the model class it came from; merged and split codes are left out', () => {
  // The model speaks HS 2017; the endpoint answers HS 2022: 040310 renamed 040320, 620190 kept, 940540 split, 850440 and 850450 merged into 850490.
  const model = ['040310', '620190', '940540', '850440', '850450'];
  const hs2022: ServingTaxonomy = {
    ref: 'hs2022@1',
    descriptions: new Map([['040320', 'Yogurt'], ['620190', 'Overcoats'], ['940541', 'Lamps A'], ['940542', 'Lamps B'], ['850490', 'Converters']]),
    remap: { id: 'corr-1', targets: new Map([['040310', ['040320']], ['940540', ['940541', '940542']], ['850440', ['850490']], ['850450', ['850490']]]) },
  };
  const classes = classOfAnsweredCode(compileClassMapping(model, hs2022));
  assert.deepEqual([...classes].sort(), [['040320', 0], ['620190', 1]]);
  const e = feedbackDecisionEvidence([
    labelled(1, '040320', '040320', 100),
    labelled(2, '040320', '040390', 100),
    labelled(3, '620190', '620190', 100),
    labelled(4, '850490', '850490', 100),
    labelled(5, '', '940541', 100),
  ], { sha256: 'm1', labels: model }, classes)!;
  assert.deepEqual([...e.predicted], [0, 0, 1]);
  assert.deepEqual([...e.correct], [1, 0, 1]);
  // Without the table's classes (the model's own labels), the renamed code's labels were lost.
  assert.deepEqual([...feedbackDecisionEvidence([labelled(1, '040320', '040320', 100), labelled(3, '620190', '620190', 100)], { sha256: 'm1', labels: model })!.predicted], [1]);
});
