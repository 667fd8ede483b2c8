import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { verb as monitorVerb } from '../../src/cli/monitor.js';
import type { CostReport } from '../../src/monitoring/report/cost-report.js';
import { openMonitoringStore } from '../../src/platform/index.js';
import { startServeChild } from '../helpers/serve-child.js';
import { classify } from '../monitoring/serving-fixture.js';
import { rows } from '../monitoring/store/fixtures.js';
import { runVerb } from '../helpers/run-cli.js';
import { trainFixtureModels } from '../serving/fixtures.js';

const fx = await trainFixtureModels();
const TEXTS = ['500 CTNS PLASTIC CUPS', 'LED TV 32 INCH', 'frozen shrimp 10kg'];

/** A real `lading serve` with the log on answers `requests` requests of three texts, then gets SIGTERM. */
async function serveAndStop(home: string, requests: number): Promise<void> {
  const s = await startServeChild(home, ['--model', fx.a, '--name', 'hs']);
  for (let i = 0; i < requests; i++) assert.equal((await classify(s.url, TEXTS, `cost-${i}`)).status, 200);
  s.child.kill('SIGTERM');
  assert.equal(await s.exited, 0, s.stderr());
}

async function report(home: string): Promise<{ variants: Array<{ model: string; version: string; predictions: number }>; cost: CostReport }> {
  const r = await runVerb(monitorVerb, ['report', '--endpoint', 'hs', '--home', home, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { variants: Array<{ model: string; version: string; predictions: number }>; cost: CostReport };
}

test('monitor report shows each version\'s cost per prediction from the records a real `lading serve` wrote at SIGTERM; a restart adds a process, never double counts', async () => {
  const home = mkdtempSync(join(tmpdir(), 'lading-monitor-cost-'));
  // The periodic write is a minute away: only the shutdown can have written the record.
  await serveAndStop(home, 40);
  const first = await report(home);
  assert.equal(first.variants.length, 1);
  const { model, version } = first.variants[0]!;
  assert.deepEqual(first.cost.unrecorded, []);
  assert.equal(first.cost.versions.length, 1);
  const once = first.cost.versions[0]!;
  assert.deepEqual([once.model, once.version, once.texts, once.processes], [model, version, 120, 1]);
  assert.ok(once.cpuSeconds > 0, `${once.cpuSeconds} CPU-seconds`);
  assert.ok(Math.abs(once.cpuSecondsPerMillion - (once.cpuSeconds / once.texts) * 1e6) < 1e-6 * once.cpuSecondsPerMillion);

  // The same home served again: a second process life, summed with the first (its latest figures only).
  await serveAndStop(home, 10);
  const second = await report(home);
  const twice = second.cost.versions[0]!;
  assert.deepEqual([twice.texts, twice.processes], [150, 2]);
  assert.equal(second.variants[0]!.predictions, 150, 'texts recorded equal the answers logged');
  assert.ok(twice.cpuSeconds > once.cpuSeconds);

  const text = await runVerb(monitorVerb, ['report', '--endpoint', 'hs', '--home', home]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /cost per prediction \(CPU-seconds per million texts/);
  assert.match(text.stdout, new RegExp(`${model}@${version}\\s+150\\s`));
});

test('monitor report says plainly when a version that answered has no cost record', async () => {
  const home = mkdtempSync(join(tmpdir(), 'lading-monitor-nocost-'));
  // Predictions in the log with no cost record beside them (as a log written by an older lading).
  const store = await openMonitoringStore({ kind: 'sqlite', path: join(home, 'monitoring.sqlite') });
  try {
    await store.appendPredictions(rows(5));
  } finally {
    await store.close();
  }
  const r = await report(home);
  const answered = r.variants.map((v) => `${v.model}@${v.version}`);
  assert.ok(answered.length > 0);
  assert.deepEqual(r.cost, { versions: [], unrecorded: answered });
  const text = await runVerb(monitorVerb, ['report', '--endpoint', 'hs', '--home', home]);
  assert.equal(text.code, 0, text.stderr);
  for (const v of answered) assert.match(text.stdout, new RegExp(`${v}: no serving cost record`));
});
