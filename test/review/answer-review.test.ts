import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openSqliteMonitoringStore } from '../../src/monitoring/store/sqlite/open-monitoring-store.js';
import { answerReview } from '../../src/review/answer-review.js';
import { openSqliteReviewQueue } from '../../src/review/sqlite/open-review-queue.js';
import { routed } from './review-queue-contract.js';

function stores() {
  const dir = mkdtempSync(join(tmpdir(), 'lading-review-answer-'));
  return { queue: openSqliteReviewQueue(join(dir, 'review.sqlite')), store: openSqliteMonitoringStore(join(dir, 'monitoring.sqlite')) };
}

test('occurrences the prediction log does not hold become one feedback item joined by the text', async () => {
  const { queue, store } = stores();
  await queue.enqueue([routed('pruned text', { requestId: 'gone-1' }), routed('pruned text', { requestId: null })]);
  const [item] = (await queue.list({ endpoint: 'hs' })).items;
  const r = await answerReview(queue, { store }, item!.id, { accept: 0, actor: 'ana' });
  assert.deepEqual([r.feedback.accepted, r.feedback.joinedById, r.feedback.unjoined], [1, 0, 1]);
  const [f] = await store.listFeedback({ endpoint: 'hs' });
  assert.deepEqual([f!.text, f!.label, f!.source, f!.requestId], ['pruned text', '8471.30', 'review:ana', null]);
  assert.deepEqual((await queue.get(item!.id))!.feedbackIds, [f!.id]);
  await queue.close();
  await store.close();
});

test('when the feedback cannot be written the answer is undone: the item is open again, to be answered later', async () => {
  const { queue, store } = stores();
  await queue.enqueue([routed('x')]);
  const [item] = (await queue.list({ endpoint: 'hs' })).items;
  await store.close();
  await assert.rejects(answerReview(queue, { store }, item!.id, { label: 'y', actor: 'ana' }));
  const after = (await queue.get(item!.id))!;
  assert.equal(after.state, 'open');
  assert.equal(after.answer, null);
  await queue.close();
});
