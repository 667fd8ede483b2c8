import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { InputError } from '../../../src/core/errors.js';
import { alertRule, durationWindow } from '../../../src/monitoring/alerts/alert-rule.js';
import { WebhookAlertSink } from '../../../src/monitoring/alerts/webhook-sink.js';
import type { MonitorEvent } from '../../../src/monitoring/monitor/monitor-event.js';
import { MonitorLoop, SERVER_ENDPOINT } from '../../../src/monitoring/monitor/monitor-loop.js';
import type { ServerCounters, ServerSignals } from '../../../src/monitoring/monitor/server-signals.js';
import type { AlertEventRecord } from '../../../src/monitoring/store/monitoring-store.js';
import { openMonitoringStore } from '../../../src/platform/index.js';

/**
 * The loop's own logic on a real (empty) SQLite store, with a server's counters scripted through the
 * ServerSignals contract and a clock the test moves: hold times, restarts from the state file,
 * rules that disappear, a state file that is not one.
 */
class ScriptedServer implements ServerSignals {
  answered = 0;
  failed = 0;
  dropped = 0;
  async read(): Promise<ServerCounters> {
    return { endpoints: new Map([['hs', { answered: this.answered, failed: this.failed, latency: new Map() }]]), logDropped: this.dropped };
  }
}

const errorRule = alertRule({ name: 'error-rate', metric: 'error_rate', window: durationWindow('5m'), comparison: '>', threshold: 0.01, forMs: 60_000, description: 'errors' });
const dropRule = alertRule({ name: 'log-drops', metric: 'log_drops', window: durationWindow('5m'), comparison: '>', threshold: 0, forMs: 0, description: 'drops' });

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'lading-loop-'));
  const store = await openMonitoringStore({ kind: 'sqlite', path: join(dir, 'monitoring.sqlite') });
  return { dir, store, statePath: join(dir, 'monitor', 'state.json') };
}

test('error rate from the server counters fires only after its hold time, once, and resolves once; log drops are process-wide', async () => {
  const { store, statePath } = await setup();
  let now = 1_000_000;
  const server = new ScriptedServer();
  const recorded: AlertEventRecord[] = [];
  const loop = new MonitorLoop({
    store, rules: [errorRule, dropRule], endpoints: ['hs'], intervalMs: 1000, statePath, signals: server, now: () => now,
    sinks: [{ name: 'test', send: (e) => recorded.push(e), close: async () => {} }],
  });
  const events: MonitorEvent[] = [];
  loop.subscribe((e) => events.push(e));
  const step = async (answered: number, failed: number) => {
    now += 30_000;
    server.answered += answered;
    server.failed += failed;
    return loop.evaluate();
  };
  assert.equal((await step(1000, 0)).fired, 0);
  assert.equal((await step(1000, 50)).fired, 0, 'failing, but not for a minute yet');
  assert.equal((await step(1000, 50)).fired, 0, 'held 30 s');
  const fired = await step(1000, 50);
  assert.equal(fired.fired, 1, 'held 60 s: fires');
  assert.equal(fired.active[0]!.rule, 'error-rate');
  for (let i = 0; i < 3; i++) assert.equal((await step(1000, 50)).fired, 0, 'fires once');
  // Healthy again: the 5-minute window must empty of failures before it resolves.
  let resolvedAt = -1;
  for (let i = 0; i < 12 && resolvedAt < 0; i++) if ((await step(1000, 0)).resolved === 1) resolvedAt = i;
  assert.ok(resolvedAt >= 5, `resolved after ${resolvedAt + 1} healthy steps`);
  server.dropped = 3;
  const drop = await step(10, 0);
  assert.equal(drop.fired, 1);
  assert.deepEqual(recorded.map((e) => `${e.rule}:${e.state}:${e.endpoint}`), ['error-rate:fired:hs', 'error-rate:resolved:hs', `log-drops:fired:${SERVER_ENDPOINT}`]);
  assert.deepEqual(events.filter((e) => e.type === 'alert').map((e) => e.type === 'alert' && e.id), recorded.map((e) => e.id), 'subscribers see the same events');
  await loop.stop();
  await store.close();
});

test('a restarted loop resumes from the state file: nothing fires twice, a recovery is resolved, a removed rule\'s alert is resolved', async () => {
  const { store, statePath } = await setup();
  let now = 2_000_000;
  const server = new ScriptedServer();
  const first = new MonitorLoop({ store, rules: [errorRule, dropRule], endpoints: ['hs'], intervalMs: 1000, statePath, signals: server, now: () => now });
  server.dropped = 1;
  now += 1000;
  assert.equal((await first.evaluate()).fired, 1);
  await first.stop();
  const saved = JSON.parse(readFileSync(statePath, 'utf8')) as { kind: string };
  assert.equal(saved.kind, 'lading-alert-state');

  // Same rules: the server's counters start again at zero in a new process, but the drop is still in the window.
  const again = new MonitorLoop({ store, rules: [errorRule, dropRule], endpoints: ['hs'], intervalMs: 1000, statePath, signals: server, now: () => now });
  assert.equal(again.active().length, 1, 'restored as firing');
  now += 1000;
  const e = await again.evaluate();
  assert.equal(e.fired, 0, 'not fired a second time');
  await again.stop();

  // The rule is gone from the configuration: its alert is resolved, once, by the first evaluation.
  const without = new MonitorLoop({ store, rules: [errorRule], endpoints: ['hs'], intervalMs: 1000, statePath, signals: server, now: () => now });
  const events: MonitorEvent[] = [];
  without.subscribe((x) => events.push(x));
  now += 1000;
  await without.evaluate();
  now += 1000;
  await without.evaluate();
  const alerts = events.filter((x) => x.type === 'alert');
  assert.equal(alerts.length, 1);
  assert.ok(alerts[0]!.type === 'alert' && alerts[0]!.state === 'resolved' && /no longer exists/.test(alerts[0]!.message));
  await without.stop();
  await store.close();
});

test('a state file that is not one is refused, naming it, before anything runs', async () => {
  const { store, statePath, dir } = await setup();
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{"kind": "lading-alert-state", "evaluator": {"formatVersion": 1, "tracks": [');
  assert.throws(() => new MonitorLoop({ store, rules: [errorRule], intervalMs: 1000, statePath: bad }),
    (e: unknown) => e instanceof InputError && e.message.includes(bad) && /Delete the file/.test(e.hint ?? ''));
  writeFileSync(bad, '{"something": "else"}');
  assert.throws(() => new MonitorLoop({ store, rules: [errorRule], intervalMs: 1000, statePath: bad }), /is not a lading alert state file/);
  // start() / stop() with no endpoints logged: evaluations run and the state is written.
  const loop = new MonitorLoop({ store, rules: [errorRule], intervalMs: 20, statePath });
  loop.start({ immediately: true });
  // Polled, not slept: on a loaded machine two evaluations can take longer than any fixed pause.
  for (const deadline = Date.now() + 10_000; loop.evaluationCount < 2 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 10));
  await loop.stop();
  assert.ok(loop.evaluationCount >= 2, String(loop.evaluationCount));
  const count = loop.evaluationCount;
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(loop.evaluationCount, count, 'stopped');
  assert.equal((JSON.parse(readFileSync(statePath, 'utf8')) as { kind: string }).kind, 'lading-alert-state');
  await store.close();
});

test('a webhook that was down when an alert fired gets it after the restart, once, and the outbox empties', async () => {
  const { store, statePath } = await setup();
  let up = false;
  const got: Array<{ id: string; state: string }> = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      if (!up) { res.writeHead(503).end(); return; }
      got.push(JSON.parse(body) as { id: string; state: string });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/`;
  try {
    let now = 3_000_000;
    const server = new ScriptedServer();
    server.dropped = 2;
    const hook = () => new WebhookAlertSink({ url, maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 });
    const down = new MonitorLoop({ store, rules: [dropRule], endpoints: ['hs'], intervalMs: 1000, statePath, signals: server, now: () => now, sinks: [hook()] });
    now += 1000;
    assert.equal((await down.evaluate()).fired, 1);
    await down.stop(300);
    const saved = JSON.parse(readFileSync(statePath, 'utf8')) as { outbox?: Record<string, Array<{ state: string }>> };
    assert.deepEqual(saved.outbox?.['webhook']?.map((e) => e.state), ['fired'], 'kept for the next run');

    up = true;
    const restarted = new MonitorLoop({ store, rules: [dropRule], endpoints: ['hs'], intervalMs: 1000, statePath, signals: server, now: () => now, sinks: [hook()] });
    now += 1000;
    assert.equal((await restarted.evaluate()).fired, 0, 'not fired again');
    await restarted.stop(2_000);
    assert.deepEqual(got.map((e) => e.state), ['fired'], 'delivered once, after the restart');
    assert.match(got[0]!.id, /^log-drops\|\*\|/);
    assert.equal((JSON.parse(readFileSync(statePath, 'utf8')) as { outbox?: unknown }).outbox, undefined, 'nothing left to send');
  } finally {
    receiver.close();
    await store.close();
  }
});
