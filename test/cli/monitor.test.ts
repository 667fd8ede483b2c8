import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { verb as monitorVerb } from '../../src/cli/monitor.js';
import { verb as trainVerb } from '../../src/cli/train.js';
import { generateInvoiceLines, invoiceLinesToCsv } from '../../src/demo/invoice-lines.js';
import { runVerb } from '../helpers/run-cli.js';
import { classify, postFeedback, serveModel } from '../monitoring/serving-fixture.js';

// A model trained by `lading train` (which stores its reference profile), served with the log on,
// sent in-distribution traffic, then traffic the training data never saw.
const home = mkdtempSync(join(tmpdir(), 'lading-monitor-cli-'));
const csv = join(home, 'train.csv');
writeFileSync(csv, invoiceLinesToCsv(generateInvoiceLines({ rows: 3000, seed: 3 })));
const model = join(home, 'hs.lading');
const trained = await runVerb(trainVerb, ['--data', csv, '--model', 'linear', '--out', model, '--home', home, '--json']);
assert.equal(trained.code, 0, trained.stderr);
const sha = (JSON.parse(trained.stdout) as { sha256: string }).sha256;
const fresh = generateInvoiceLines({ rows: 1200, seed: 4, labelNoise: 0 });
const served = await serveModel(model, { home, logFlushMs: 50 });
const items: Array<{ requestId: string; position: number; label: string }> = [];
for (let at = 0; at < 1200; at += 40) {
  const batch = fresh.slice(at, at + 40);
  const r = await classify(served.url, batch.map((l) => l.text), `in-${at}`);
  assert.equal(r.status, 200);
  for (let i = 0; i < batch.length; i += 4) items.push({ requestId: `in-${at}`, position: i, label: batch[i]!.label });
}
const fb = await postFeedback(served.url, { endpoint: 'hs', items });
assert.equal(fb.status, 201, JSON.stringify(fb.body));
const shifted = Array.from({ length: 1200 }, (_, i) => `wireless bluetooth headphones model ${i % 37} noise cancelling over ear`);
for (let at = 0; at < 1200; at += 40) assert.equal((await classify(served.url, shifted.slice(at, at + 40), `out-${at}`)).status, 200);
await served.close();

test('monitor report: traffic per model version, the served artifact\'s profile found, estimated and real accuracy with its interval', async () => {
  const all = await runVerb(monitorVerb, ['report', '--endpoint', 'hs', '--home', home, '--window', '2400', '--json']);
  assert.equal(all.code, 0, all.stderr);
  const report = JSON.parse(all.stdout) as {
    variants: Array<{ predictions: number; estimatedAccuracy: { estimated: number } | null; modelSha256: string;
      estimateVersusReal: { labelled: number; estimated: number; real: number; error: number; interval: { lower: number; upper: number }; withinRealInterval: boolean } | null }>;
    realAccuracy: { overall: { labelled: number; accuracy: number; interval: { lower: number; upper: number } } } };
  assert.equal(report.variants.length, 1);
  assert.equal(report.variants[0]!.predictions, 2400);
  assert.equal(report.variants[0]!.modelSha256, sha);
  assert.ok(report.variants[0]!.estimatedAccuracy !== null, 'the profile stored by train is found by the served artifact');
  const real = report.realAccuracy.overall;
  assert.equal(real.labelled, items.length);
  assert.ok(real.interval.lower <= real.accuracy && real.accuracy <= real.interval.upper);
  // The estimate on the labelled predictions beside what their labels say.
  const versus = report.variants[0]!.estimateVersusReal!;
  assert.equal(versus.labelled, items.length);
  assert.equal(versus.real, real.accuracy);
  assert.deepEqual(versus.interval, real.interval);
  assert.ok(Math.abs(versus.error - (versus.estimated - versus.real)) < 1e-12);
  assert.equal(versus.withinRealInterval, versus.estimated >= versus.interval.lower && versus.estimated <= versus.interval.upper);
  const text = await runVerb(monitorVerb, ['report', '--endpoint', 'hs', '--home', home]);
  assert.match(text.stdout, /real accuracy \(delayed labels/);
  const labelledText = await runVerb(monitorVerb, ['report', '--endpoint', 'hs', '--home', home, '--window', '2400']);
  assert.match(labelledText.stdout, /estimated against real accuracy, on the same labelled predictions/);
  assert.match(labelledText.stdout, new RegExp(`error \\(est\\. - real\\)[\\s\\S]*\\b${items.length}\\b`));
  assert.match(text.stdout, /domain-classifier:tokens/);
});

test('monitor report flags traffic the model never saw and names its tokens', async () => {
  const r = await runVerb(monitorVerb, ['report', '--endpoint', 'hs', '--home', home, '--window', '1200', '--json']);
  const report = JSON.parse(r.stdout) as { variants: Array<{ drift: { drift: boolean; tests: Array<{ name: string; drift: boolean }>; separatingTokens: { current: Array<{ token: string }> } } }> };
  const drift = report.variants[0]!.drift;
  assert.equal(drift.drift, true);
  assert.ok(drift.tests.find((t) => t.name === 'domain-classifier:tokens')!.drift);
  const tokens = drift.separatingTokens.current.map((t) => t.token);
  assert.ok(tokens.some((t) => ['wireless', 'bluetooth', 'headphones', 'noise', 'cancelling'].includes(t)), tokens.join(','));
});

test('monitor profile shows the stored reference; bad input is named', async () => {
  const p = await runVerb(monitorVerb, ['profile', sha, '--home', home, '--json']);
  assert.equal(p.code, 0, p.stderr);
  const profile = JSON.parse(p.stdout) as { rows: number; labels: number };
  assert.ok(profile.rows > 200);
  const none = await runVerb(monitorVerb, ['profile', 'f'.repeat(64), '--home', home]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no reference profile is stored/);
  const empty = await runVerb(monitorVerb, ['report', '--endpoint', 'nope', '--home', home]);
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /no logged predictions for endpoint nope/);
  const zero = await runVerb(monitorVerb, ['report', '--endpoint', 'hs', '--window', '0', '--home', home]);
  assert.equal(zero.code, 2);
  assert.match(zero.stderr, /--window must be at least 1/);
});
