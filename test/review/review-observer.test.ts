import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { ReviewObserver } from '../../src/review/review-observer.js';
import type { ReviewQueue } from '../../src/review/review-queue.js';
import { openSqliteReviewQueue } from '../../src/review/sqlite/open-review-queue.js';
import type { PredictionEvent } from '../../src/serving/prediction-observers.js';

const LABELS = ['a', 'b', 'c'];

/** An answered call of `texts` with full probability rows (`proba[i]` per text), as the plane publishes it. */
function event(texts: string[], proba: number[][], over: Partial<PredictionEvent> = {}): PredictionEvent {
  const top = proba.map((row) => row.indexOf(Math.max(...row)));
  return {
    endpoint: 'hs', variant: 'main', role: 'primary', pinned: false,
    model: { name: 'm', version: '3', kind: 'fasttext', sha256: 'f'.repeat(64), labels: LABELS },
    texts, topIds: Int32Array.from(top), topScores: Float32Array.from(top.map((t, i) => proba[i]![t]!)), proba: Float32Array.from(proba.flat()),
    latencyMs: 1, queueMs: 0, requestIds: ['req-1'], at: 1_700_000_000_000, ...over,
  };
}

const queueFile = () => openSqliteReviewQueue(join(mkdtempSync(join(tmpdir(), 'lading-review-obs-')), 'review.sqlite'));

test('routes the texts below the threshold with their top-k, request id and position; shadow answers never', async () => {
  const queue = queueFile();
  const obs = new ReviewObserver({ queue, below: 0.6, topK: 2, flushMs: 60_000 });
  obs.observer(event(['sure', 'unsure'], [[0.9, 0.05, 0.05], [0.2, 0.5, 0.3]]));
  obs.observer(event(['unsure shadow'], [[0.4, 0.3, 0.3]], { role: 'shadow' }));
  await obs.flush();
  const { items } = await queue.list({ endpoint: 'hs' });
  assert.deepEqual(items.map((i) => i.text), ['unsure']);
  assert.deepEqual(items[0]!.suggestions.map((s) => s.label), ['b', 'c']);
  assert.ok(Math.abs(items[0]!.suggestions[0]!.score - 0.5) < 1e-6);
  assert.deepEqual((await queue.occurrences(items[0]!.id)).map((o) => [o.requestId, o.position, o.version]), [['req-1', 1, '3']]);
  assert.deepEqual(obs.stats(), { routed: 1, written: 1, dropped: { 'queue-full': 0, 'store-error': 0, closed: 0 } });
  await obs.close();
  await queue.close();
});

test('an endpoint that may not store its texts (logText false) is never routed', async () => {
  const queue = queueFile();
  const obs = new ReviewObserver({ queue, below: 1, storesText: (endpoint) => endpoint !== 'secret', flushMs: 60_000 });
  obs.observer(event(['confidential'], [[0.4, 0.3, 0.3]], { endpoint: 'secret' }));
  obs.observer(event(['public'], [[0.4, 0.3, 0.3]]));
  await obs.close();
  assert.equal((await queue.list({ endpoint: 'secret' })).items.length, 0);
  assert.deepEqual((await queue.list({ endpoint: 'hs' })).items.map((i) => i.text), ['public']);
  assert.equal(obs.stats().routed, 1);
  await queue.close();
});

test('a routing predicate given at construction decides instead of the threshold (the endpoint\'s per-text decision)', async () => {
  const queue = queueFile();
  const decisions = new Uint8Array([1, 0]); // 1 = auto, 0 = review
  const obs = new ReviewObserver({ queue, routes: (_e, row) => decisions[row] === 0, flushMs: 60_000 });
  obs.observer(event(['auto one', 'review one'], [[0.4, 0.3, 0.3], [0.9, 0.05, 0.05]], { requestIds: ['x', 'y'] }));
  await obs.close();
  const { items } = await queue.list({ endpoint: 'hs' });
  assert.deepEqual(items.map((i) => i.text), ['review one']);
  assert.deepEqual((await queue.occurrences(items[0]!.id)).map((o) => [o.requestId, o.position]), [['y', 0]], 'one request id per text: position 0');
  await queue.close();
  assert.throws(() => new ReviewObserver({ queue }), /routing predicate or a score threshold/);
});

test('never waits for a slow store: beyond its capacity texts are dropped and counted; a failing store drops its batch and warns', async () => {
  const queue = queueFile();
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  // The real queue behind a store that is slow to commit.
  const slow: Pick<ReviewQueue, 'enqueue'> = { enqueue: async (rows) => { await gate; return queue.enqueue(rows); } };
  const metrics = new Registry();
  const warnings: string[] = [];
  const obs = new ReviewObserver({ queue: slow, below: 1, capacity: 3, batchRows: 2, flushMs: 60_000, metrics, warn: (l) => warnings.push(l) });
  const started = performance.now();
  for (let i = 0; i < 10; i++) obs.observer(event([`text ${i}`], [[0.4, 0.3, 0.3]], { requestIds: [`r${i}`] }));
  assert.ok(performance.now() - started < 50, 'the observer returned at once');
  // 2 went to the (stuck) write as one batch, 3 wait, 5 were dropped.
  assert.equal(obs.stats().dropped['queue-full'], 5);
  assert.match(warnings[0]!, /dropped routed texts \(more than 3 routed texts were waiting\)/);
  release();
  await obs.flush();
  assert.equal(obs.stats().written, 5);
  assert.equal((await queue.list({ endpoint: 'hs' })).items.length, 5);
  assert.match(await metrics.metrics(), /lading_review_dropped_total\{reason="queue-full"\} 5/);

  await queue.close();
  const broken = new ReviewObserver({ queue, below: 1, flushMs: 60_000, warn: (l) => warnings.push(l) });
  broken.observer(event(['lost'], [[0.4, 0.3, 0.3]]));
  await broken.close();
  assert.equal(broken.stats().dropped['store-error'], 1);
  assert.match(warnings.at(-1)!, /the review store failed/);
  broken.observer(event(['after close'], [[0.4, 0.3, 0.3]]));
  assert.equal(broken.stats().dropped.closed, 1);
});
