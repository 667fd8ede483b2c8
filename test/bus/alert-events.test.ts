import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_ALERT_RULES } from '../../src/monitoring/alerts/alert-rule.js';
import { LifecycleEventAlertSink } from '../../src/monitoring/alerts/lifecycle-event-sink.js';
import type { AlertEventRecord } from '../../src/monitoring/store/monitoring-store.js';
import { createEventPublisher } from '../../src/platform/index.js';
import { withBus } from '../../src/platform/open-bus.js';

const fired: AlertEventRecord = {
  id: 'drift|hs|main|1764950000000', state: 'fired', rule: 'drift', endpoint: 'hs', variant: 'main', at: 1764950000000, value: 3.5, threshold: 1, message: 'drift on hs/main: 3.5 > 1',
};
const resolved: AlertEventRecord = { ...fired, state: 'resolved', at: 1764950600000, value: 0.4, message: 'drift on hs/main resolved: 0.4' };

test('alert transitions on the bus: fired (with drift.detected for a drift rule) and resolved; sent again after a restart, they are dropped as duplicates', async () => {
  const home = mkdtempSync(join(tmpdir(), 'lading-alert-events-'));
  try {
    const warnings: string[] = [];
    const publisher = createEventPublisher({ home }, { warn: (l) => warnings.push(l) });
    const sink = new LifecycleEventAlertSink(DEFAULT_ALERT_RULES, (e) => publisher.publish(e));
    sink.send(fired);
    sink.send(resolved);
    await sink.close();
    // A restarted monitor hands its outbox over again: the same ids, nothing new on the bus.
    const again = new LifecycleEventAlertSink(DEFAULT_ALERT_RULES, (e) => publisher.publish(e));
    again.send(fired);
    await again.close();
    await publisher.close();
    assert.deepEqual([warnings, sink.undelivered(), publisher.stats()], [[], [], { published: 3, duplicates: 2, failed: 0 }]);
    const events = await withBus({ home, busUrl: undefined }, async (bus) => {
      const sub = await bus.subscribe('reader');
      try { return (await sub.next(100, 200)).map((d) => d.event); } finally { await sub.close(); }
    });
    assert.deepEqual(events.map(({ id: _id, subject: _subject, ...facts }) => facts), [
      { type: 'alert.fired', time: fired.at, rule: 'drift', endpoint: 'hs', severity: 'warning', value: 3.5, message: fired.message },
      { type: 'drift.detected', time: fired.at, endpoint: 'hs', test: 'drift_score', statistic: 3.5, threshold: 1, window: 5000 },
      { type: 'alert.resolved', time: resolved.at, rule: 'drift', endpoint: 'hs', value: 0.4, message: resolved.message },
    ]);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('an alert whose events the bus did not take stays undelivered (the monitor saves it and sends it next run)', async () => {
  const home = mkdtempSync(join(tmpdir(), 'lading-alert-events-down-'));
  try {
    const warnings: string[] = [];
    const publisher = createEventPublisher({ home, busUrl: 'nats://127.0.0.1:1' }, { warn: (l) => warnings.push(l) });
    const sink = new LifecycleEventAlertSink(DEFAULT_ALERT_RULES, (e) => publisher.publish(e));
    sink.send(fired);
    await sink.close();
    await publisher.close();
    assert.deepEqual(sink.undelivered(), [fired]);
    assert.equal(warnings.length, 2, 'alert.fired and drift.detected, each named');
    assert.match(warnings[0]!, /event alert\.fired \(alert-fired-[0-9a-f]{40}\) was not published/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
