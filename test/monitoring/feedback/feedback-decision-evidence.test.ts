import assert from 'node:assert/strict';
import { test } from 'node:test';
import { feedbackDecisionEvidence } from '../../../src/monitoring/feedback/feedback-decision-evidence.js';
import type { FeedbackRecord } from '../../../src/monitoring/store/monitoring-store.js';

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
