import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../src/server/app.js';
import { FileModelSource } from '../../src/serving/model-source.js';
import type { PredictionEvent } from '../../src/serving/prediction-observers.js';
import { ServingPlane } from '../../src/serving/serving-plane.js';
import { trainFixtureModels } from '../serving/fixtures.js';

// What the monitoring issue's prediction log will subscribe to: every answered request, through
// either protocol, with enough to write one log row per text and join feedback by request id.
const fx = await trainFixtureModels();
const plane = new ServingPlane(new FileModelSource(), { threads: 1, maxDelayMs: 2 });
await plane.deploy({ endpoint: 'hs', mode: 'shadow', variants: [{ name: 'main', model: fx.a, weight: 1, role: 'primary' }, { name: 'next', model: fx.b, weight: 0, role: 'shadow' }] });
const app = createApp({ plane });
const log: PredictionEvent[] = [];
plane.observe('prediction-log', (e) => { log.push(e); });
after(() => plane.close());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

async function settled(n: number): Promise<void> {
  for (let i = 0; i < 100 && log.length < n; i++) await new Promise((r) => setTimeout(r, 10));
}

test('a recording observer sees endpoint, variant, version, texts, labels, scores, latencies and request ids of REST and OIP answers', async () => {
  const rest = await post('/v1/models/hs:classify', { texts: ['500 CTNS PLASTIC CUPS', 'LED TV 32 INCH'] }, { 'x-request-id': 'order-17' });
  assert.equal(rest.status, 200);
  const rb = (await rest.json()) as { requestId: string; version: string; predictions: Array<{ label: string; score: number }> };
  assert.equal(rb.requestId, 'order-17');
  const oip = await post('/v2/models/hs/infer', { id: 'oip-9', inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: ['PLASTIC CUPS'] }] });
  assert.equal(oip.status, 200);
  await settled(4); // two primaries, two shadow copies
  const primaries = log.filter((e) => e.role === 'primary');
  assert.equal(primaries.length, 2);
  const [r, o] = primaries as [PredictionEvent, PredictionEvent];
  assert.deepEqual(r.requestIds, ['order-17']);
  assert.equal(r.endpoint, 'hs');
  assert.equal(r.variant, 'main');
  assert.equal(r.model.version, rb.version);
  assert.equal(r.model.name, 'model-a');
  assert.match(r.model.sha256, /^[0-9a-f]{64}$/);
  assert.equal(r.model.kind, 'fasttext');
  assert.deepEqual(r.texts, ['500 CTNS PLASTIC CUPS', 'LED TV 32 INCH']);
  assert.deepEqual(Array.from(r.topIds, (c) => r.model.labels[c]), rb.predictions.map((p) => p.label));
  assert.deepEqual(Array.from(r.topScores), rb.predictions.map((p) => p.score));
  assert.ok(r.latencyMs > 0 && r.queueMs >= 0);
  assert.deepEqual(o.requestIds, ['oip-9']);
  assert.deepEqual(o.texts, ['PLASTIC CUPS']);
  assert.equal(o.variant, 'main');
  // The shadow copies carry the primary's request id, so a log can put both answers side by side.
  const shadows = log.filter((e) => e.role === 'shadow');
  assert.deepEqual(shadows.map((e) => e.requestIds[0]).sort(), ['oip-9', 'order-17']);
  assert.ok(shadows.every((e) => e.variant === 'next' && e.model.name === 'model-b'));
});

test('a refused request reaches no observer', async () => {
  const before = log.length;
  assert.equal((await post('/v1/models/hs:classify', { texts: ['ok', ''] })).status, 400);
  assert.equal((await post('/v2/models/hs/infer', { inputs: [{ name: 'input0', shape: [1], datatype: 'BYTES', data: ['a'] }] })).status, 400);
  await plane.observersFlushed();
  assert.equal(log.length, before);
});
