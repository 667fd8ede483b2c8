import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel } from '../../src/models/load-model.js';
import { topK } from '../../src/models/top-k.js';
import { encodeClassifyResponseJson } from '../../src/serving/classify-codec.js';
import { singleDeployment } from '../../src/serving/deployment.js';
import { FileModelSource } from '../../src/serving/model-source.js';
import { eventTopK, type PredictionEvent } from '../../src/serving/prediction-observers.js';
import { ServingPlane } from '../../src/serving/serving-plane.js';
import { trainFixtureModels } from './fixtures.js';

const fx = await trainFixtureModels();
const local = await loadModel(fx.a);
const classes = local.classifier.labels.length;
const texts = fx.texts.slice(0, 40);
const expected = new Float32Array(texts.length * classes);
local.classifier.predictProba(texts, expected);

/** inlineBudgetMs 0 and 1000: the serving-thread path and the inline path give the same answers. */
const planes = await Promise.all([0, 1000].map(async (budget) => {
  const plane = new ServingPlane(new FileModelSource(), { threads: 1, maxDelayMs: 2, inlineBudgetMs: budget });
  await plane.deploy(singleDeployment('hs', fx.a));
  return plane;
}));
after(() => Promise.all(planes.map((p) => p.close())));

const ranked = (proba: Float32Array, row: number, k: number) => {
  const ids = new Int32Array(k);
  const scores = new Float32Array(k);
  const n = topK(proba, row * classes, classes, k, ids, scores);
  return { ids: Array.from(ids.subarray(0, n)), scores: Array.from(scores.subarray(0, n)) };
};

test('a call that wants no rows gets none, its top-k ranked off the HTTP thread, and the same answer JSON', async () => {
  for (const plane of planes) {
    for (const one of [false, true]) {
      const batch = one ? texts.slice(0, 1) : texts;
      const withRows = await plane.classify('hs', batch, { top: 3 });
      const without = await plane.classify('hs', batch, { top: 3, rows: false });
      assert.equal(withRows.proba.length, batch.length * classes);
      assert.deepEqual(Array.from(withRows.proba), Array.from(expected.subarray(0, batch.length * classes)));
      assert.equal(without.proba.length, 0, 'no rows');
      assert.equal(without.ranked?.k, 3);
      for (let i = 0; i < batch.length; i++) {
        const want = ranked(expected, i, 3);
        assert.deepEqual(Array.from(without.ranked!.ids.subarray(i * 3, i * 3 + 3)), want.ids);
        assert.deepEqual(Array.from(without.ranked!.scores.subarray(i * 3, i * 3 + 3)), want.scores);
        assert.equal(without.topIds[i], want.ids[0]);
      }
      for (const top of [1, 2, 3]) assert.equal(encodeClassifyResponseJson(without, top, 'r'), encodeClassifyResponseJson(withRows, top, 'r'));
    }
  }
});

test('an observer that reads rows (the default) gets them even when the call wants none; a top-1 observer does not make them', async () => {
  const plane = planes[0]!;
  const seen: PredictionEvent[] = [];
  const stop = plane.observe('rows-reader', (e) => { seen.push(e); });
  await plane.classify('hs', texts.slice(0, 2), { rows: false });
  await plane.observersFlushed();
  stop();
  assert.equal(seen[0]!.proba.length, 2 * classes, 'the rows travel for the observer');
  assert.deepEqual(Array.from(seen[0]!.proba), Array.from(expected.subarray(0, 2 * classes)));
  seen.length = 0;
  const stopTop = plane.observe('top-reader', (e) => { seen.push(e); }, { reads: 'top' });
  const a = await plane.classify('hs', texts.slice(0, 2), { rows: false });
  await plane.observersFlushed();
  stopTop();
  assert.equal(a.proba.length, 0);
  assert.equal(seen[0]!.proba.length, 0, 'no observer reads rows: none are made');
  const ids = new Int32Array(5);
  const scores = new Float32Array(5);
  assert.equal(eventTopK(seen[0]!, 1, 5, ids, scores), 1, 'without rows or ranked classes, eventTopK gives the top-1');
  assert.equal(ids[0], ranked(expected, 1, 1).ids[0]);
});

test('an observer that reads the top 5 gets them ranked in the serving thread, on both paths, without rows; the caller still gets its own top-k', async () => {
  for (const plane of planes) {
    const seen: PredictionEvent[] = [];
    const stop = plane.observe('top5-reader', (e) => { seen.push(e); }, { reads: 'top', top: 5 });
    for (const one of [true, false]) {
      const batch = one ? texts.slice(0, 1) : texts;
      const plain = await plane.classify('hs', batch, { top: 2, rows: false });
      await plane.observersFlushed();
      const e = seen.pop()!;
      assert.equal(e.proba.length, 0, 'no rows travel for a top-5 reader');
      assert.equal(e.ranked?.k, Math.min(5, classes));
      const ids = new Int32Array(5);
      const scores = new Float32Array(5);
      for (let i = 0; i < batch.length; i++) {
        const n = eventTopK(e, i, 5, ids, scores);
        assert.deepEqual({ ids: Array.from(ids.subarray(0, n)), scores: Array.from(scores.subarray(0, n)) }, ranked(expected, i, Math.min(5, classes)));
      }
      const withRows = await plane.classify('hs', batch, { top: 2 });
      assert.equal(encodeClassifyResponseJson(plain, 2, 'r'), encodeClassifyResponseJson(withRows, 2, 'r'), 'the answer lists the caller\'s 2, not the observer\'s 5');
      await plane.observersFlushed();
      seen.length = 0;
    }
    stop();
    const after = await plane.classify('hs', texts.slice(0, 3), { rows: false });
    assert.equal(after.ranked, undefined, 'once it is gone, nothing is ranked beyond the top-1');
  }
});
