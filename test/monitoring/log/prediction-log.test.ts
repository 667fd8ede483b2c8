import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { resolveSettings } from '../../../src/config/load-settings.js';
import { openMonitoringStore } from '../../../src/platform/index.js';
import { trainFixtureModels } from '../../serving/fixtures.js';
import { classify, infer, serveModel } from '../serving-fixture.js';

const fx = await trainFixtureModels();

test('every answered REST and OIP request is in the log with its request id, variant, version, top-k and statistics', async () => {
  const s = await serveModel(fx.a);
  try {
    const rest = await classify(s.url, ['500 CTNS PLASTIC CUPS', 'LED TV 32 INCH'], 'client-id-1');
    assert.equal(rest.status, 200);
    assert.equal(rest.body['requestId'], 'client-id-1');
    const generated = await classify(s.url, ['steel bolts m8']);
    const oip = await infer(s.url, ['cotton t-shirts', 'frozen shrimp 10kg'], 'oip-7');
    assert.equal(oip.status, 200);
    assert.equal(oip.body['id'], 'oip-7');
    await s.log!.flush();
    const store = s.log!.store;
    const second = await store.findByRequestId('client-id-1', 1);
    assert.ok(second, 'the second text of the REST request');
    assert.equal(second.text, 'LED TV 32 INCH');
    assert.equal(second.position, 1);
    assert.equal(second.endpoint, 'hs');
    assert.equal(second.variant, 'main');
    assert.equal(second.role, 'primary');
    assert.equal(second.version, rest.body['version']);
    assert.equal(second.label, rest.body['predictions'][1].label);
    assert.ok(Math.abs(second.score - rest.body['predictions'][1].score) < 1e-6);
    assert.equal(second.topK.length, 5);
    assert.equal(second.topK[0]!.label, second.label);
    assert.ok(second.topK[1]!.score <= second.topK[0]!.score);
    assert.equal(second.stats.tokens, 4);
    assert.equal(second.stats.digits, 2);
    assert.ok(second.latencyMs >= 0);
    assert.equal((await store.findByRequestId(generated.body['requestId']))?.text, 'steel bolts m8', 'a generated request id is logged too');
    assert.equal((await store.findByRequestId('oip-7', 1))?.text, 'frozen shrimp 10kg');
    assert.equal(await store.countPredictions({ endpoint: 'hs' }), 5);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(metrics, /lading_log_rows_total 5/);
    assert.match(metrics, /lading_log_queue_texts 0/);
  } finally {
    await s.close();
  }
  // Closed and reopened: the log is on disk.
  const again = await openMonitoringStore({ kind: 'sqlite', path: s.logPath });
  try {
    assert.equal(await again.countPredictions({ endpoint: 'hs' }), 5);
  } finally {
    await again.close();
  }
});

test('logText false stores no text, only its hash', async () => {
  const s = await serveModel(fx.a, { logText: false });
  try {
    assert.equal((await classify(s.url, ['CONFIDENTIAL widget 42'], 'secret-1')).status, 200);
    await s.log!.flush();
    const row = await s.log!.store.findByRequestId('secret-1');
    assert.equal(row?.text, null);
    assert.match(row!.textSha256, /^[0-9a-f]{64}$/);
  } finally {
    await s.close();
  }
});

test('--no-log: no store is opened and no feedback route is mounted', async () => {
  const s = await serveModel(fx.a, { log: false });
  try {
    assert.equal(s.log, undefined);
    assert.equal((await classify(s.url, ['x y'])).status, 200);
    const r = await fetch(`${s.url}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"items":[]}' });
    assert.equal(r.status, 404);
  } finally {
    await s.close();
  }
});

test('with the store locked by another writer, a full queue drops and counts while every answer is still a 200', async () => {
  const warnings: string[] = [];
  const s = await serveModel(fx.a, { logQueueTexts: 100, logFlushMs: 20 }, warnings);
  try {
    const statuses: number[] = [];
    const blocker = new Database(s.logPath);
    blocker.exec('BEGIN IMMEDIATE');
    try {
      for (let i = 0; i < 40; i++) {
        const round = await Promise.all(Array.from({ length: 5 }, (_, k) => classify(s.url, ['500 CTNS PLASTIC CUPS', 'LED TV 32 INCH'], `load-${i}-${k}`)));
        for (const b of round) statuses.push(b.status);
      }
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
    }
    assert.ok(statuses.every((c) => c === 200), 'the log never fails a prediction');
    await s.log!.flush();
    const stats = s.log!.writer.stats();
    assert.ok(stats.dropped > 0, 'answers beyond the queue were dropped');
    assert.equal(stats.rows + stats.dropped, 400, 'every answered text is either logged or counted as dropped');
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(metrics, /lading_log_dropped_total\{reason="(queue-full|store-error)"\} [1-9]/);
    assert.ok(warnings.some((w) => /prediction log: dropped/.test(w)), 'a warning line says so');
    const after = await classify(s.url, ['after the lock'], 'after-1');
    assert.equal(after.status, 200);
    await s.log!.flush();
    assert.equal((await s.log!.store.findByRequestId('after-1'))?.text, 'after the lock', 'unlocked, the log works again');
  } finally {
    await s.close();
  }
});

test("an endpoint's own logText: false keeps its texts out of the log while other endpoints keep theirs, through later variant changes", async () => {
  const s = await serveModel(fx.a);
  try {
    await s.plane.deploy({ endpoint: 'open', mode: 'single', variants: [{ name: 'main', model: fx.a, weight: 1, role: 'primary' }] });
    // What `lading deploy set hs ... --no-log-text` stores, applied live as deployment sync does.
    await s.plane.deploy({ endpoint: 'hs', mode: 'single', logText: false, variants: [{ name: 'main', model: fx.a, weight: 1, role: 'primary' }] });
    assert.equal((await classify(s.url, ['CONFIDENTIAL widget 42'], 'secret-2')).status, 200);
    const open = await fetch(`${s.url}/v1/models/open:classify`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'open-1' }, body: JSON.stringify({ texts: ['steel bolts m8'] }),
    });
    assert.equal(open.status, 200);
    await s.log!.flush();
    const secret = await s.log!.store.findByRequestId('secret-2');
    assert.equal(secret?.endpoint, 'hs');
    assert.equal(secret?.text, null, 'the confidential endpoint logs no text');
    assert.match(secret!.textSha256, /^[0-9a-f]{64}$/);
    assert.equal((await s.log!.store.findByRequestId('open-1'))?.text, 'steel bolts m8', 'another endpoint still logs its texts');
  } finally {
    await s.close();
  }
});

test('logSample keeps about that share of requests, whole, the same ones for the same ids, and counts the rest as sampled out, not dropped', async () => {
  const s = await serveModel(fx.a, { logSample: 0.25 });
  try {
    const ids = Array.from({ length: 400 }, (_, i) => `sample-${i}`);
    for (const id of ids) assert.equal((await classify(s.url, ['500 CTNS PLASTIC CUPS', 'LED TV 32 INCH'], id)).status, 200);
    await s.log!.flush();
    const store = s.log!.store;
    const kept: string[] = [];
    for (const id of ids) {
      const first = await store.findByRequestId(id, 0);
      const second = await store.findByRequestId(id, 1);
      assert.equal(first === undefined, second === undefined, `request ${id} is kept or left out whole`);
      if (first) kept.push(id);
    }
    // 400 requests at 0.25: 100 expected; a binomial's 4 standard deviations are about 35.
    assert.ok(kept.length >= 65 && kept.length <= 135, `kept ${kept.length} of 400 requests`);
    assert.equal(await store.countPredictions({ endpoint: 'hs' }), 2 * kept.length);
    // The same id again is kept exactly when it was kept before (retries and shadow copies go together).
    for (const id of ids.slice(0, 40)) await classify(s.url, ['steel bolts m8'], id);
    await s.log!.flush();
    for (const id of ids.slice(0, 40)) assert.equal((await store.findByRequestId(id, 0)) !== undefined, kept.includes(id), id);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    const sampledOut = Number(/lading_log_sampled_out_total (\d+)/.exec(metrics)?.[1]);
    assert.equal(sampledOut, 2 * (400 - kept.length) + 40 - ids.slice(0, 40).filter((id) => kept.includes(id)).length);
    assert.doesNotMatch(metrics, /lading_log_dropped_total\{[^}]*\} [1-9]/);
  } finally {
    await s.close();
  }
});

test('a log sample outside (0, 1] is refused naming the flag or the variable', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'lading-log-sample-'));
  for (const bad of ['0', '1.5', 'half']) {
    assert.throws(() => resolveSettings({ flags: { 'log-sample': bad }, env: {}, isTTY: false, cwd }), /--log-sample/);
    assert.throws(() => resolveSettings({ flags: {}, env: { LADING_LOG_SAMPLE: bad }, isTTY: false, cwd }), /LADING_LOG_SAMPLE/);
  }
  assert.equal(resolveSettings({ flags: { 'log-sample': '0.1' }, env: {}, isTTY: false, cwd }).settings.logSample, 0.1);
});
