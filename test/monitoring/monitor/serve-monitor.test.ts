import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { verb as trainVerb } from '../../../src/cli/train.js';
import { generateInvoiceLines, invoiceLinesToCsv } from '../../../src/demo/invoice-lines.js';
import { alertRule, durationWindow, rowsWindow } from '../../../src/monitoring/alerts/alert-rule.js';
import type { MonitorEvent } from '../../../src/monitoring/monitor/monitor-event.js';
import { histogramQuantile, SignalHistory } from '../../../src/monitoring/monitor/server-signals.js';
import { servingSignals, startServingProcess } from '../../../src/platform/index.js';
import { runVerb } from '../../helpers/run-cli.js';
import { classify, postFeedback, servingSettings } from '../serving-fixture.js';

const home = mkdtempSync(join(tmpdir(), 'lading-serve-monitor-'));
const csv = join(home, 'train.csv');
writeFileSync(csv, invoiceLinesToCsv(generateInvoiceLines({ rows: 3000, seed: 3 })));
const model = join(home, 'hs.lading');
const trained = await runVerb(trainVerb, ['--data', csv, '--model', 'linear', '--out', model, '--home', home, '--json']);
assert.equal(trained.code, 0, trained.stderr);

const WINDOW = 800;
const rules = [
  alertRule({ name: 'drift', metric: 'drift_score', window: rowsWindow(WINDOW), comparison: '>', threshold: 1, forMs: 0, description: 'drift' }),
  // Fed by the server's own counters: any answered request has a latency above 0 ms; 4xx are not failures.
  alertRule({ name: 'any-latency', metric: 'latency_p99_ms', window: durationWindow('1m'), comparison: '>', threshold: 0, resolveThreshold: 0, forMs: 0, description: 'p99 above 0' }),
  alertRule({ name: 'any-error', metric: 'error_rate', window: durationWindow('1m'), comparison: '>', threshold: 0, resolveThreshold: 0, forMs: 0, description: 'a server error' }),
  alertRule({ name: 'real-accuracy-drop', metric: 'real_accuracy_drop', window: rowsWindow(1000), comparison: '>', threshold: 0.05, resolveThreshold: 0.025, minSamples: 100, forMs: 0, description: 'labels disagree' }),
  alertRule({ name: 'log-drops', metric: 'log_drops', window: durationWindow('1m'), comparison: '>', threshold: 0, forMs: 0, description: 'drops' }),
];

function waitFor(events: MonitorEvent[], what: string, ok: (e: MonitorEvent) => boolean, timeoutMs = 20_000): Promise<MonitorEvent> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const look = () => {
      const found = events.find(ok);
      if (found) resolve(found);
      else if (Date.now() - started > timeoutMs) reject(new Error(`timed out waiting for ${what}; saw ${JSON.stringify(events.filter((e) => e.type === 'alert'))}`));
      else setTimeout(look, 50);
    };
    look();
  });
}

test('serve --monitor: the loop runs in the server, fed its own latency and error counters, and keeps the gauges of /metrics current', async () => {
  const settings = { ...servingSettings({ home, logFlushMs: 50 }), monitor: true, monitorIntervalMs: 150 };
  const events: MonitorEvent[] = [];
  const served = await startServingProcess(settings, { models: [{ ref: model, endpoint: 'hs' }] }, { monitor: { rules, onEvent: (e) => events.push(e) } });
  try {
    assert.ok(served.monitor, 'the monitor loop runs');
    const fresh = generateInvoiceLines({ rows: WINDOW, seed: 4, labelNoise: 0 }).map((l) => l.text);
    for (let at = 0; at < WINDOW; at += 40) assert.equal((await classify(served.url, fresh.slice(at, at + 40), `in-${at}`)).status, 200);
    assert.equal((await classify(served.url, ['   '])).status, 400, 'a client error');
    const seen = await waitFor(events, 'an evaluation of the whole window', (e) => e.type === 'evaluation' && e.variants.some((v) => v.predictions === WINDOW));
    assert.equal(seen.type === 'evaluation' && seen.variants[0]!.drift, false);
    const latency = await waitFor(events, 'the latency alert', (e) => e.type === 'alert' && e.rule === 'any-latency');
    assert.equal(latency.type === 'alert' && latency.variant, 'main', 'latency is per variant, from the server histogram');
    assert.ok(!events.some((e) => e.type === 'alert' && (e.rule === 'drift' || e.rule === 'any-error' || e.rule === 'log-drops')), JSON.stringify(events.filter((e) => e.type === 'alert')));

    // The heavy half of an evaluation runs in the monitor's thread: this event loop (the server's) stays free.
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    // Delayed labels that all disagree with the model: real accuracy falls far below validation accuracy.
    const items = Array.from({ length: 150 }, (_, i) => ({ requestId: `in-${Math.floor(i / 10) * 40}`, position: i % 10, label: 'not-a-label-it-knows' }));
    assert.equal((await postFeedback(served.url, { endpoint: 'hs', items })).status, 201);
    const real = await waitFor(events, 'the real-accuracy alert', (e) => e.type === 'alert' && e.rule === 'real-accuracy-drop');
    assert.ok(real.type === 'alert' && real.state === 'fired' && real.variant === 'main' && real.value > 0.9, JSON.stringify(real));

    const shifted = Array.from({ length: WINDOW }, (_, i) => `wireless bluetooth headphones model ${i % 37} noise cancelling over ear`);
    for (let at = 0; at < WINDOW; at += 40) assert.equal((await classify(served.url, shifted.slice(at, at + 40))).status, 200);
    const fired = await waitFor(events, 'the drift alert', (e) => e.type === 'alert' && e.rule === 'drift');
    assert.equal(fired.type === 'alert' && fired.state, 'fired');
    delay.disable();
    const slowest = Math.max(...events.flatMap((e) => (e.type === 'evaluation' ? [e.durationMs] : [])));
    console.log(`# event loop delay max ${(delay.max / 1e6).toFixed(1)} ms while evaluations took up to ${slowest} ms`);
    assert.ok(delay.max / 1e6 < slowest, 'no evaluation held the server\'s event loop for its whole length');

    const metrics = await (await fetch(`${served.url}/metrics`)).text();
    assert.match(metrics, /^lading_alert_active\{rule="drift",endpoint="hs",variant="main"\} 1$/m);
    assert.match(metrics, /^lading_drift_score\{endpoint="hs",variant="main",test="domain-classifier:tokens"\} (0\.\d+|1)$/m);
    assert.match(metrics, /^lading_accuracy\{endpoint="hs",variant="main",kind="estimated"\} 0\.\d+$/m);
    assert.match(metrics, /^lading_accuracy\{endpoint="hs",variant="main",kind="real"\} 0$/m);
    // Evaluations continue without firing the drift alert twice.
    const count = events.filter((e) => e.type === 'evaluation').length;
    await waitFor(events, 'two more evaluations', () => events.filter((e) => e.type === 'evaluation').length >= count + 2);
    assert.equal(events.filter((e) => e.type === 'alert' && e.rule === 'drift').length, 1);
  } finally {
    await served.close();
  }
  assert.ok(existsSync(join(home, 'monitor', 'serve-alert-state.json')), 'the state was saved on close');
  const after = events.length;
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(events.length, after, 'the loop stopped with the server');
});

test('serve --monitor needs the prediction log', async () => {
  await assert.rejects(startServingProcess({ ...servingSettings({ home, log: false }), monitor: true }, { models: [{ ref: model, endpoint: 'hs' }] }),
    /serve --monitor reads the prediction log/);
});

test('server signals: window differences of the real serving counters; p99 interpolated inside its bucket as histogram_quantile does', async () => {
  assert.equal(histogramQuantile([1, 2, 5], [0, 100, 0, 0], 0.99), 1.99);
  assert.equal(histogramQuantile([1, 2, 5], [98, 0, 2, 0], 0.99), 3.5);
  assert.equal(histogramQuantile([1, 2, 5], [0, 0, 0, 3], 0.99), 5, 'above every bound: the highest bound');
  assert.ok(Number.isNaN(histogramQuantile([1, 2], [0, 0, 0], 0.99)));

  const served = await startServingProcess(servingSettings({ home: mkdtempSync(join(tmpdir(), 'lading-signals-')) }), { models: [{ ref: model, endpoint: 'hs' }] });
  try {
    const signals = servingSignals(served.plane, served.log);
    const history = new SignalHistory(0, 120_000);
    for (let i = 0; i < 5; i++) assert.equal((await classify(served.url, ['LED TV 32 INCH'])).status, 200);
    // The serving metrics are recorded just after the answer is sent: let the last one land.
    const settle = () => new Promise((r) => setTimeout(r, 50));
    await settle();
    history.add(1_000, await signals.read());
    for (let i = 0; i < 3; i++) assert.equal((await classify(served.url, ['frozen shrimp'])).status, 200);
    assert.equal((await classify(served.url, [''])).status, 400);
    await settle();
    history.add(61_000, await signals.read());
    assert.deepEqual(history.errorRate('hs', 60_000), { value: 0, samples: 3 }, 'the last minute: 3 answered, the 400 is not a server failure');
    assert.deepEqual(history.errorRate('hs', 120_000), { value: 0, samples: 8 }, 'since the start');
    const p99 = history.latencyP99('hs', 'main', 60_000);
    assert.equal(p99.samples, 3);
    assert.ok(p99.value > 0 && p99.value < 1_000, String(p99.value));
    assert.equal(history.logDrops(60_000), 0);
  } finally {
    await served.close();
  }
});
