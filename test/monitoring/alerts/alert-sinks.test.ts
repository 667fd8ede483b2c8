import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { WebhookAlertSink } from '../../../src/monitoring/alerts/webhook-sink.js';
import { StdoutAlertSink } from '../../../src/monitoring/alerts/stdout-sink.js';
import { AlertDispatcher, type AlertSink } from '../../../src/monitoring/alerts/alert-sink.js';
import { MonitoringGauges } from '../../../src/monitoring/alerts/monitoring-gauges.js';
import { AlertEvaluator } from '../../../src/monitoring/alerts/alert-evaluator.js';
import { DEFAULT_ALERT_RULES } from '../../../src/monitoring/alerts/alert-rule.js';
import type { AlertEventRecord } from '../../../src/monitoring/store/monitoring-store.js';

const event = (i = 0): AlertEventRecord => ({
  id: `log-drops|hs|*|${i}`, state: 'fired', rule: 'log-drops', endpoint: 'hs', variant: null, at: i, value: 3, threshold: 0, message: 'log-drops: log_drops 3 > 0',
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { body += c; });
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` };
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
}

test('webhook: a receiver that fails twice then succeeds gets 3 attempts and one delivery', async () => {
  let attempts = 0;
  const bodies: string[] = [];
  const { server, url } = await serve((req, res, body) => {
    attempts++;
    assert.equal(req.method, 'POST');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers['x-token'], 'abc');
    if (attempts <= 2) { res.writeHead(attempts === 1 ? 500 : 503).end('down'); return; }
    bodies.push(body);
    res.writeHead(204).end();
  });
  try {
    const sink = new WebhookAlertSink({ url, headers: { 'x-token': 'abc' }, baseDelayMs: 20, maxAttempts: 5 });
    sink.send(event(1));
    await sink.close(5_000);
    assert.equal(attempts, 3);
    assert.equal(bodies.length, 1);
    assert.deepEqual(JSON.parse(bodies[0]!), { type: 'alert', ...event(1) });
    assert.deepEqual(sink.stats(), { queued: 0, delivered: 1, attempts: 3, failures: 2, dropped: 0 });
  } finally {
    await stop(server);
  }
});

test('webhook: a 4xx is not retried; backoff doubles with jitter', async () => {
  let attempts = 0;
  const { server, url } = await serve((_req, res) => { attempts++; res.writeHead(400).end(); });
  try {
    const sink = new WebhookAlertSink({ url, baseDelayMs: 100, maxDelayMs: 350, random: () => 0.5 });
    sink.send(event());
    await sink.close(2_000);
    assert.equal(attempts, 1);
    assert.deepEqual(sink.stats(), { queued: 0, delivered: 0, attempts: 1, failures: 1, dropped: 1 });
    assert.deepEqual([1, 2, 3, 4].map((r) => sink.delayMs(r)), [75, 150, 262.5, 262.5]);
  } finally {
    await stop(server);
  }
});

test('webhook: a hanging receiver never blocks send or the evaluator; close waits a bounded time', async () => {
  let received = 0;
  const { server, url } = await serve(() => { received++; /* never answers */ });
  try {
    const sink = new WebhookAlertSink({ url, maxQueue: 20, timeoutMs: 60_000 });
    const evaluator = new AlertEvaluator(DEFAULT_ALERT_RULES);
    const dispatcher = new AlertDispatcher([sink]);
    const started = performance.now();
    for (let i = 0; i < 50; i++) {
      dispatcher.dispatch(evaluator.observe({ metric: 'log_drops', endpoint: `e${i}`, value: 1, at: i }));
    }
    const sendMs = performance.now() - started;
    // Generous for a loaded CI host: a blocking send would take the 60 s attempt timeout, not milliseconds.
    assert.ok(sendMs < 500, `50 evaluations and sends took ${sendMs} ms`);
    // The first POST reaches the server and hangs there.
    for (let waited = 0; received === 0 && waited < 5_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    assert.equal(received, 1);
    const s = sink.stats();
    assert.equal(s.queued, 19); // 20 queued, one taken into flight, 30 dropped as overflow (oldest first)
    assert.equal(s.dropped, 30);
    const closing = performance.now();
    await dispatcher.close(200);
    const closeMs = performance.now() - closing;
    assert.ok(closeMs >= 190 && closeMs < 3_000, `close took ${closeMs} ms`);
    assert.deepEqual({ ...sink.stats(), attempts: 0 }, { queued: 0, delivered: 0, attempts: 0, failures: 1, dropped: 50 });
    sink.send(event()); // after close: counted, not queued
    assert.equal(sink.stats().dropped, 51);
  } finally {
    await stop(server);
  }
});

test('Prometheus gauges follow alert transitions and carry drift scores and accuracies', async () => {
  const registry = new Registry();
  const gauges = new MonitoringGauges(registry);
  const again = new MonitoringGauges(registry); // a second monitor on the same registry reuses the gauges
  const lines: string[] = [];
  const broken: AlertSink = { name: 'broken', send: () => { throw new Error('disk full'); }, close: async () => {} };
  const dispatcher = new AlertDispatcher([broken, gauges.sink(), new StdoutAlertSink((l) => lines.push(l))]);
  const ev = new AlertEvaluator(DEFAULT_ALERT_RULES);
  dispatcher.dispatch(ev.observe({ metric: 'drift_score', endpoint: 'hs', variant: 'blue', value: 1.4, at: 1 }));
  gauges.setDrift('hs', 'blue', 'domain-classifier:tokens', 0.61);
  again.setAccuracy('hs', 'blue', 'estimated', 0.87);
  gauges.setAccuracy('hs', null, 'real', 0.9);
  let text = await registry.metrics();
  assert.match(text, /lading_alert_active\{rule="drift",endpoint="hs",variant="blue"\} 1/);
  assert.match(text, /lading_drift_score\{endpoint="hs",variant="blue",test="domain-classifier:tokens"\} 0\.61/);
  assert.match(text, /lading_accuracy\{endpoint="hs",variant="blue",kind="estimated"\} 0\.87/);
  assert.match(text, /lading_accuracy\{endpoint="hs",variant="",kind="real"\} 0\.9/);
  assert.equal(dispatcher.sinkFailures, 1);
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(line.type, 'alert');
  assert.equal(line.state, 'fired');
  assert.ok(lines[0]!.endsWith('\n'));
  dispatcher.dispatch(ev.observe({ metric: 'drift_score', endpoint: 'hs', variant: 'blue', value: 0.3, at: 2 }));
  text = await registry.metrics();
  assert.match(text, /lading_alert_active\{rule="drift",endpoint="hs",variant="blue"\} 0/);
  // After a restart the gauges are set from the restored evaluator's active alerts.
  const fresh = new Registry();
  const restored = new AlertEvaluator(DEFAULT_ALERT_RULES);
  restored.importState({ formatVersion: 1, tracks: [{ rule: 'log-drops', endpoint: 'hs', variant: null, phase: 'firing', since: 5, lastAt: 5, id: 'log-drops|hs|*|5', value: 2 }] });
  new MonitoringGauges(fresh).restore(restored.active());
  assert.match(await fresh.metrics(), /lading_alert_active\{rule="log-drops",endpoint="hs",variant=""\} 1/);
});
