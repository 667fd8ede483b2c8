import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServingCostRecord, ServingCostStore } from '../../src/monitoring/store/serving-cost.js';
import { startServingCostRecorder } from '../../src/platform/serving-cost-recorder.js';
import type { ServingMetrics } from '../../src/serving/serving-metrics.js';

type CostRows = ReturnType<ServingMetrics['costPerMillion']>;

/** ServingMetrics as the recorder reads it: only costPerMillion, with figures the test sets. */
function metricsWith(rows: () => CostRows): ServingMetrics {
  return { costPerMillion: rows } as unknown as ServingMetrics;
}

const labels = { endpoint: 'hs', model: 'hs-model', version: '3', variant: 'main' };
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the cost recorder writes cumulative figures periodically and at close, under one process key', async () => {
  const written: ServingCostRecord[][] = [];
  const store: ServingCostStore = { recordServingCost: async (r) => { written.push([...r]); }, listServingCost: async () => [] };
  let texts = 0;
  const recorder = startServingCostRecorder(metricsWith(() => (texts === 0 ? [] : [{ labels, texts, cpuSecondsPerMillion: 2_000_000 }])), store,
    { intervalMs: 20, warn: (line) => assert.fail(line) });
  await wait(60);
  assert.equal(written.length, 0, 'nothing answered yet: nothing written');
  texts = 10;
  await wait(60);
  assert.ok(written.length >= 1);
  texts = 25;
  await recorder.close();
  const last = written.at(-1)!;
  assert.deepEqual(last.map((r) => [r.endpoint, r.variant, r.model, r.version, r.texts, r.cpuSeconds]), [['hs', 'main', 'hs-model', '3', 25, 50]]);
  assert.equal(new Set(written.flat().map((r) => `${r.processId}@${r.processStartedAt}`)).size, 1, 'one process life, one key');
  assert.match(last[0]!.processId, new RegExp(`/${process.pid}$`));
  const count = written.length;
  await wait(60);
  assert.equal(written.length, count, 'closed: the timer stopped');
});

test('a failing store is a warning; a store that hangs does not hold the close beyond its bound', async () => {
  const warnings: string[] = [];
  const failing = startServingCostRecorder(metricsWith(() => [{ labels, texts: 1, cpuSecondsPerMillion: 1 }]),
    { recordServingCost: async () => { throw new Error('store down'); }, listServingCost: async () => [] }, { intervalMs: 60_000, warn: (l) => warnings.push(l) });
  await failing.close();
  assert.deepEqual(warnings, ['serving cost: recording failed: store down']);
  const hanging = startServingCostRecorder(metricsWith(() => [{ labels, texts: 1, cpuSecondsPerMillion: 1 }]),
    { recordServingCost: () => new Promise<void>(() => undefined), listServingCost: async () => [] }, { intervalMs: 60_000, warn: (l) => warnings.push(l) });
  const t0 = Date.now();
  await hanging.close();
  assert.ok(Date.now() - t0 < 3000, `${Date.now() - t0} ms`);
  assert.match(warnings.at(-1)!, /final record took over 2000 ms/);
});

test('a failed write does not fail the writes after it (the store came back)', async () => {
  const warnings: string[] = [];
  let calls = 0;
  const written: unknown[] = [];
  const recorder = startServingCostRecorder(metricsWith(() => [{ labels, texts: 1, cpuSecondsPerMillion: 1 }]),
    { recordServingCost: async (rows) => { if (++calls === 1) throw new Error('store down'); written.push(...rows); }, listServingCost: async () => [] },
    { intervalMs: 60_000, warn: (l) => warnings.push(l) });
  await assert.rejects(recorder.record(), /store down/);
  await recorder.record();
  await recorder.close();
  assert.equal(calls, 3);
  assert.equal(written.length, 2);
  assert.deepEqual(warnings, []);
});
