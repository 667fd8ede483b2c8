import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { singleDeployment } from '../../src/serving/deployment.js';
import { FileModelSource } from '../../src/serving/model-source.js';
import { eventTopK, type ObserverFailure, type PredictionEvent } from '../../src/serving/prediction-observers.js';
import { ServingPlane } from '../../src/serving/serving-plane.js';
import { trainFixtureModels } from './fixtures.js';

const fx = await trainFixtureModels();
const failures: ObserverFailure[] = [];
const plane = new ServingPlane(new FileModelSource(), { threads: 1, maxDelayMs: 2, onObserverError: (f) => failures.push(f) });
await plane.deploy(singleDeployment('hs', fx.a));
after(() => plane.close());

test('observers see each answer after it is returned, never during the call', async () => {
  const seen: PredictionEvent[] = [];
  const stop = plane.observe('recorder', (e) => { seen.push(e); });
  try {
    assert.deepEqual(plane.observers, ['metrics', 'shadows', 'recorder']);
    const answer = await plane.classify('hs', ['PLASTIC CUPS', 'LED TV'], { requestIds: ['r-1'] });
    assert.equal(seen.length, 0, 'not called on the request path');
    await plane.observersFlushed();
    assert.equal(seen.length, 1);
    const e = seen[0]!;
    assert.equal(e.endpoint, 'hs');
    assert.equal(e.variant, 'main');
    assert.equal(e.role, 'primary');
    assert.equal(e.pinned, false);
    assert.deepEqual(e.model, answer.model);
    assert.deepEqual(e.texts, ['PLASTIC CUPS', 'LED TV']);
    assert.deepEqual(Array.from(e.topIds), Array.from(answer.topIds));
    assert.deepEqual(Array.from(e.topScores), Array.from(answer.topScores));
    assert.ok(e.latencyMs > 0 && e.queueMs >= 0 && e.queueMs <= e.latencyMs);
    assert.deepEqual(e.requestIds, ['r-1']);
    assert.ok(Math.abs(e.at - Date.now()) < 5000);
  } finally {
    stop();
  }
  await plane.classify('hs', ['x y']);
  await plane.observersFlushed();
  assert.equal(seen.length, 1, 'unsubscribed: no more events');
});

test('an observer that throws, rejects or is slow neither fails nor delays a prediction', async () => {
  const good: PredictionEvent[] = [];
  let slowCalls = 0;
  const stops = [
    plane.observe('throws', () => { throw new Error('boom'); }),
    plane.observe('rejects', async () => { throw new Error('async boom'); }),
    plane.observe('slow', async () => { slowCalls++; await new Promise((r) => setTimeout(r, 2000)); }),
    plane.observe('good', (e) => { good.push(e); }),
  ];
  try {
    assert.throws(() => plane.observe('good', () => undefined), /already subscribed/);
    const started = performance.now();
    for (let i = 0; i < 20; i++) {
      const a = await plane.classify('hs', ['PLASTIC CUPS']);
      assert.equal(a.topIds.length, 1);
    }
    assert.ok(performance.now() - started < 1500, 'twenty answers do not wait for a 2 s observer');
    await plane.observersFlushed();
    await new Promise((r) => setImmediate(r)); // rejections settle one turn later
    assert.equal(good.length, 20, 'a failing observer does not stop the others');
    assert.equal(slowCalls, 20);
    assert.deepEqual(plane.observerFailures(), { throws: 20, rejects: 20 });
    assert.equal(failures.filter((f) => f.observer === 'throws').length, 20);
    assert.match(String(failures.find((f) => f.observer === 'rejects')?.error), /async boom/);
    const metrics = await plane.metrics.text();
    assert.match(metrics, /lading_observer_errors_total\{observer="throws"\} 20/);
    assert.match(metrics, /lading_requests_total\{endpoint="hs",model="model-a",version="[0-9a-f]+",variant="main"\} \d+/);
  } finally {
    for (const s of stops) s();
  }
});

test('metrics are an observer: counted once each answer is delivered', async () => {
  const count = async () => Number(/lading_texts_total\{endpoint="hs"[^}]*\} (\d+)/.exec(await plane.metrics.text())?.[1] ?? 0);
  const before = await count();
  await plane.classify('hs', ['a b', 'c d', 'e f']);
  await plane.observersFlushed();
  assert.equal(await count(), before + 3);
});

test('eventTopK ranks each text of an event best first, agrees with the top-1 answer, and copes with k above the class count', async () => {
  const seen: PredictionEvent[] = [];
  const stop = plane.observe('ranker', (e) => { seen.push(e); });
  try {
    await plane.classify('hs', ['PLASTIC CUPS', 'LED TV', 'COTTON T-SHIRT'], {});
    await plane.observersFlushed();
  } finally {
    stop();
  }
  const e = seen[0]!;
  const classes = e.model.labels.length;
  const ids = new Int32Array(classes + 3);
  const scores = new Float32Array(classes + 3);
  for (let row = 0; row < e.texts.length; row++) {
    const n = eventTopK(e, row, 3, ids, scores);
    assert.equal(n, Math.min(3, classes));
    assert.equal(ids[0], e.topIds[row]);
    assert.equal(scores[0], e.topScores[row]);
    const sorted = Array.from(e.proba.subarray(row * classes, (row + 1) * classes)).sort((a, b) => b - a);
    assert.deepEqual(Array.from(scores.subarray(0, n)), sorted.slice(0, n).map((v) => Math.fround(v)));
    assert.equal(eventTopK(e, row, classes + 3, ids, scores), classes);
  }
});
