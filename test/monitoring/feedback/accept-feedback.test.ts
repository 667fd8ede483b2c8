import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { InputError } from '../../../src/core/errors.js';
import { acceptFeedback, type ItemLocator } from '../../../src/monitoring/feedback/accept-feedback.js';
import { feedbackDataset } from '../../../src/monitoring/feedback/feedback-dataset.js';
import { packBatch } from '../../../src/monitoring/log/log-batch.js';
import { StoreLogSink } from '../../../src/monitoring/log/log-sink.js';
import type { StoredFeedback } from '../../../src/monitoring/store/monitoring-store.js';
import { openMonitoringStore } from '../../../src/platform/index.js';
import type { PredictionEvent } from '../../../src/serving/prediction-observers.js';

const LABELS = ['3923', '8528', '0306'];

function answered(texts: string[], requestId: string, at: number, logText = true): PredictionEvent {
  const proba = new Float32Array(texts.length * 3);
  for (let r = 0; r < texts.length; r++) proba[r * 3 + (r % 3)] = 0.8;
  return {
    endpoint: logText ? 'hs' : 'secret', variant: 'main', role: 'primary', pinned: false,
    model: { name: 'hs-model', version: '2', kind: 'fasttext', sha256: 'a'.repeat(64), labels: LABELS },
    texts, topIds: new Int32Array(texts.length), topScores: new Float32Array(texts.length), proba, latencyMs: 1, queueMs: 0, requestIds: [requestId], at,
  };
}

async function storeWith(events: PredictionEvent[]) {
  const store = await openMonitoringStore({ kind: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'lading-fb-')), 'monitoring.sqlite') });
  await new StoreLogSink(store).append(packBatch(events, (e) => e === 'hs'));
  return store;
}

test('joins by id (position), by the newest prediction of a normalised text, flags labels the model lacks', async () => {
  const store = await storeWith([answered(['cups', 'tv set'], 'r1', 1000), answered(['Cups'], 'r2', 2000), answered(['CUPS'], 'r3', 9000)]);
  try {
    const r = await acceptFeedback([
      { requestId: 'r1', position: 1, label: '8528' },
      { text: '  cups ', label: '9999', time: 5000 },
    ], { store, endpoint: 'hs', defaultSource: 'test', labelsOf: () => LABELS, now: 6000 });
    assert.deepEqual({ ...r, ids: r.ids.length }, { ids: 2, accepted: 2, joinedById: 1, joinedByText: 1, unjoined: 0, newClass: [1] });
    const all = await store.listFeedback({ endpoint: 'hs' });
    const byId = all.find((f) => f.label === '8528');
    const byText = all.find((f) => f.label === '9999');
    assert.equal(byId!.text, 'tv set');
    assert.equal(byId!.prediction?.label, '8528');
    assert.equal(byId!.newClass, false);
    assert.equal(byText!.requestId, 'r2', 'the most recent prediction at or before the time of receipt (r3 came later)');
    assert.equal(byText!.time, 5000);
    assert.equal(byText!.receivedAt, 6000);
    assert.equal(byText!.source, 'test');
    assert.equal(byText!.newClass, true);
  } finally {
    await store.close();
  }
});

test('errors name the item through the locator (a file\'s line and column) and store nothing', async () => {
  const store = await storeWith([answered(['cups'], 'r1', 1000)]);
  const locate: ItemLocator = { where: (i, f) => `f.csv: line ${i + 2}, column "${f}"`, facts: (i, f) => ({ file: 'f.csv', row: i + 2, column: f }) };
  try {
    await assert.rejects(acceptFeedback([{ requestId: 'r1', label: 'x' }, { requestId: 'r1', label: 'y', time: '04/12/2026' }], { store, defaultSource: 't', locate }),
      (e: unknown) => e instanceof InputError && e.code === 'bad-time' && e.message.startsWith('f.csv: line 3, column "time"') && e.facts['row'] === 3);
    await assert.rejects(acceptFeedback([{ requestId: 'r1', label: 'x' }, { requestId: 'r1', position: -1, label: 'y' }], { store, defaultSource: 't', locate }),
      (e: unknown) => e instanceof InputError && e.code === 'bad-position');
    assert.equal((await store.listFeedback({ endpoint: 'hs' })).length, 0);
  } finally {
    await store.close();
  }
});

test('to-dataset rows: the newest label per normalised text; feedback without text is skipped and counted', () => {
  const f = (id: number, text: string | null, label: string, time: number): StoredFeedback => ({
    id, endpoint: 'hs', time, receivedAt: time, label, source: 's', requestId: null, position: null, text, textSha256: text === null ? `h${id}` : text.toLowerCase(),
    prediction: null, newClass: false,
  });
  const d = feedbackDataset([f(1, 'Cups', '3923', 10), f(2, 'tv', '8528', 11), f(3, 'cups', '3924', 12), f(4, null, '0306', 13)], { endpoint: 'hs', until: Date.parse('2026-12-04T00:00:00Z') });
  assert.deepEqual(d.rows.texts, ['cups', 'tv']);
  assert.deepEqual(d.rows.labels['label'], ['3924', '8528']);
  assert.equal(d.skippedNoText, 1);
  assert.equal(d.replaced, 1);
  assert.equal(d.lineage, 'feedback:hs start..2026-12-04T00:00:00.000Z (4 items, 2 rows)');
});

test('to-dataset rows: a text whose winning label is a review answer is a reviewed row; a later ruling of another source is not', () => {
  const f = (id: number, text: string, label: string, time: number, source: string): StoredFeedback => ({
    id, endpoint: 'hs', time, receivedAt: time, label, source, requestId: null, position: null, text, textSha256: text.toLowerCase(), prediction: null, newClass: false,
  });
  const d = feedbackDataset([
    f(1, 'cups', '3923', 10, 'broker'), f(2, 'tv', '8528', 11, 'review:ana'), f(3, 'nets', '5608', 12, 'review:ana'), f(4, 'Nets', '5607', 13, 'customs ruling'), f(5, 'rice', '1006', 14, 'import'),
  ], { endpoint: 'hs', until: Date.parse('2026-12-04T00:00:00Z') });
  assert.deepEqual(d.rows.texts, ['cups', 'tv', 'Nets', 'rice']);
  assert.deepEqual(d.rows.reviewRows, [1]);
  const none = feedbackDataset([f(1, 'cups', '3923', 10, 'broker')], { endpoint: 'hs', until: 0 });
  assert.equal(none.rows.reviewRows, undefined);
});
