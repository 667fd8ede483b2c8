import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelRuntime } from '../../src/serving/model-runtime.js';
import { loadModel } from '../../src/models/load-model.js';
import { trainFixtureModels } from './fixtures.js';

const fx = await trainFixtureModels();

test('runtime answers equal the in-process classifier, concurrent requests are batched, texts stay with their request', async () => {
  const batches: number[] = [];
  const rt = await ModelRuntime.open(fx.a, 'a', undefined, { threads: 2, maxDelayMs: 2, onBatch: (_m, s) => batches.push(s.requests) });
  try {
    const local = await loadModel(fx.a);
    const classes = local.classifier.labels.length;
    const expected = new Float32Array(fx.texts.length * classes);
    local.classifier.predictProba(fx.texts, expected);
    // 100 requests of 2 texts each, fired together.
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => rt.predict(fx.texts.slice(2 * i, 2 * i + 2))));
    answers.forEach((a, i) => assert.deepEqual(Array.from(a.proba), Array.from(expected.subarray(2 * i * classes, (2 * i + 2) * classes)), `request ${i}`));
    assert.ok(batches.some((n) => n > 1), `some batch should hold several requests: ${batches.join(',')}`);
    assert.ok(batches.reduce((s, n) => s + n, 0) >= 100);
    assert.equal(rt.identity.version, rt.identity.sha256.slice(0, 12));
  } finally {
    await rt.close();
  }
});

test('a lone request is not held for the batching bound when threads are idle', async () => {
  const rt = await ModelRuntime.open(fx.a, 'a', undefined, { threads: 1, maxDelayMs: 200 });
  try {
    await rt.predict(['warm']);
    const t0 = performance.now();
    const r = await rt.predict(['PLASTIC CUPS 100 PCS']);
    assert.ok(performance.now() - t0 < 100, 'answered well before the 200 ms bound');
    assert.ok(r.queueMs < 50);
  } finally {
    await rt.close();
  }
});

test('close waits for requests in flight, then refuses new ones', async () => {
  const rt = await ModelRuntime.open(fx.a, 'a', undefined, { threads: 1, maxDelayMs: 2 });
  const inFlight = Promise.all(Array.from({ length: 20 }, () => rt.predict(fx.texts.slice(0, 50))));
  await rt.close();
  const done = await inFlight;
  assert.equal(done.length, 20);
  await assert.rejects(rt.predict(['x']), /unloaded/);
});

test('a few texts are scored on the calling thread, a large batch in a serving thread, with the same answers', async () => {
  const seen: Array<{ texts: number; inline: boolean }> = [];
  const rt = await ModelRuntime.open(fx.a, 'a', undefined, { threads: 1, maxDelayMs: 2, inlineBudgetMs: 0.5, onBatch: (_m, s) => seen.push({ texts: s.texts, inline: s.inline }) });
  const threadOnly = await ModelRuntime.open(fx.a, 'a', undefined, { threads: 1, maxDelayMs: 2, inlineBudgetMs: 0, onBatch: (_m, s) => seen.push({ texts: s.texts, inline: s.inline }) });
  try {
    // Until its threads have loaded (cold start), a runtime scores everything on the calling thread.
    await rt.threadsStarted();
    const local = await loadModel(fx.a);
    const classes = local.classifier.labels.length;
    const many = Array.from({ length: 5 }, () => fx.texts).flat();
    const expected = new Float32Array(many.length * classes);
    local.classifier.predictProba(many, expected);
    seen.length = 0;
    const one = await rt.predict([many[0]!]);
    assert.deepEqual(seen, [{ texts: 1, inline: true }]);
    assert.deepEqual(Array.from(one.proba), Array.from(expected.subarray(0, classes)));
    seen.length = 0;
    const all = await rt.predict(many);
    assert.deepEqual(seen, [{ texts: many.length, inline: false }], 'a 1000-text batch is over half a millisecond of work');
    assert.deepEqual(Array.from(all.proba), Array.from(expected));
    seen.length = 0;
    const viaThread = await threadOnly.predict([many[0]!]);
    assert.deepEqual(seen, [{ texts: 1, inline: false }], 'a budget of 0 sends every batch to a thread');
    assert.deepEqual(Array.from(viaThread.proba), Array.from(one.proba));
  } finally {
    await rt.close();
    await threadOnly.close();
  }
});

test('bad options are refused with a clear error', async () => {
  await assert.rejects(ModelRuntime.open(fx.a, 'a', undefined, { threads: 1, maxDelayMs: 2, inlineBudgetMs: -1 }), /inline scoring budget/);
  await assert.rejects(ModelRuntime.open(fx.a, 'a', undefined, { threads: 0, maxDelayMs: 2 }), /threads/);
  await assert.rejects(ModelRuntime.open(fx.a, 'a', undefined, { threads: 1, maxDelayMs: -1 }), /delay/);
  await assert.rejects(ModelRuntime.open(`${fx.dir}/missing.lading`, 'a', undefined, { threads: 1, maxDelayMs: 2 }));
});
