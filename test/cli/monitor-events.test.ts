import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { verb as monitorVerb } from '../../src/cli/monitor.js';
import { verb as trainVerb } from '../../src/cli/train.js';
import type { LifecycleEvent } from '../../src/core/lifecycle-events.js';
import { generateInvoiceLines, invoiceLinesToCsv } from '../../src/demo/invoice-lines.js';
import { withBus } from '../../src/platform/open-bus.js';
import { runVerb } from '../helpers/run-cli.js';
import { classify, serveModel } from '../monitoring/serving-fixture.js';

/** Everything published on `home`'s embedded bus since this reader last looked. */
async function heardSince(home: string): Promise<LifecycleEvent[]> {
  return withBus({ home, busUrl: undefined }, async (bus) => {
    const sub = await bus.subscribe('monitor-events-test');
    try {
      const got = await sub.next(1000, 200);
      for (const d of got) await d.ack();
      return got.map((d) => d.event);
    } finally {
      await sub.close();
    }
  });
}

type Line = { type: string; state?: string; rule?: string; endpoint?: string };

test('monitor run --once: an alert that fires is published once (alert.fired, and drift.detected for a drift rule), not again while it keeps firing', async () => {
  const home = mkdtempSync(join(tmpdir(), 'lading-monitor-events-'));
  try {
    const csv = join(home, 'train.csv');
    writeFileSync(csv, invoiceLinesToCsv(generateInvoiceLines({ rows: 3000, seed: 3 })));
    const model = join(home, 'hs.lading');
    const trained = await runVerb(trainVerb, ['--data', csv, '--model', 'linear', '--out', model, '--home', home]);
    assert.equal(trained.code, 0, trained.stderr);
    const project = join(home, 'lading.yaml');
    writeFileSync(project, ['monitoring:', '  alerts:', '    - name: drift', '      metric: drift_score', '      window: 1200', "      comparison: '>'", '      threshold: 1', ''].join('\n'));
    const shifted = Array.from({ length: 1200 }, (_, i) => `wireless bluetooth headphones model ${i % 37} noise cancelling over ear`);
    const served = await serveModel(model, { home, logFlushMs: 50 });
    try {
      for (let at = 0; at < shifted.length; at += 40) assert.equal((await classify(served.url, shifted.slice(at, at + 40), `out-${at}`)).status, 200);
    } finally {
      await served.close();
    }
    assert.deepEqual((await heardSince(home)).map((e) => e.type), ['dataset.created'], 'training imported its file');

    const runOnce = async (): Promise<Line[]> => {
      const r = await runVerb(monitorVerb, ['run', '--once', '--json', '--endpoint', 'hs', '--home', home, '--project', project]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line).filter((l) => l.type === 'alert');
    };
    const first = await runOnce();
    assert.ok(first.some((l) => l.rule === 'drift' && l.state === 'fired'), JSON.stringify(first));
    const heard = await heardSince(home);
    // One event per transition the monitor printed, in its order; the drift rule's firing adds drift.detected.
    assert.deepEqual(heard.filter((e) => e.type.startsWith('alert.')).map((e) => [e.type, 'rule' in e ? e.rule : null]),
      first.map((l) => [`alert.${l.state}`, l.rule]));
    const fired = heard.find((e) => e.type === 'alert.fired' && e.rule === 'drift');
    assert.ok(fired?.type === 'alert.fired');
    assert.deepEqual([fired.endpoint, fired.severity, typeof fired.value], ['hs', 'warning', 'number']);
    const drift = heard.filter((e) => e.type === 'drift.detected');
    assert.equal(drift.length, 1);
    assert.ok(drift[0]!.type === 'drift.detected');
    assert.deepEqual([drift[0]!.endpoint, drift[0]!.test, drift[0]!.threshold, drift[0]!.window], ['hs', 'drift_score', 1, 1200]);
    assert.ok(drift[0]!.statistic > 1 && drift[0]!.statistic === fired.value);

    // The next run finds the same drift still firing: no transition, nothing published.
    assert.deepEqual(await runOnce(), []);
    assert.deepEqual(await heardSince(home), []);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
