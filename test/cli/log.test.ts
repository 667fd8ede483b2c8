import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { verb as logVerb } from '../../src/cli/log.js';
import { CSV_COLUMNS } from '../../src/monitoring/log/export-format.js';
import { runVerb } from '../helpers/run-cli.js';
import { classify, serveModel } from '../monitoring/serving-fixture.js';
import { trainFixtureModels } from '../serving/fixtures.js';

const fx = await trainFixtureModels();
const s = await serveModel(fx.a);
const home = s.settings.home;
await classify(s.url, ['500 CTNS PLASTIC CUPS', 'Cups, "large", 12"'], 'exp-1');
await classify(s.url, ['LED TV 32 INCH'], 'exp-2');
await s.close();

test('log export --format jsonl streams every row of the window, oldest first', async () => {
  const r = await runVerb(logVerb, ['export', '--home', home, '--endpoint', 'hs', '--since', '1h', '--format', 'jsonl']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
  assert.equal(lines.length, 3);
  assert.deepEqual(lines.map((l) => [l['requestId'], l['position']]), [['exp-1', 0], ['exp-1', 1], ['exp-2', 0]]);
  assert.equal(lines[1]!['text'], 'Cups, "large", 12"');
  assert.equal(lines[0]!['topK'].length, 5);
  assert.match(lines[0]!['at'], /^\d{4}-\d\d-\d\dT/);
  assert.match(r.stderr, /exported 3/);
  const none = await runVerb(logVerb, ['export', '--home', home, '--endpoint', 'hs', '--since', '2000-01-01', '--until', '2000-01-02']);
  assert.equal(none.stdout, '');
});

test('log export --format csv --out FILE writes a header and quoted fields', async () => {
  const out = join(home, 'log.csv');
  const r = await runVerb(logVerb, ['export', '--home', home, '--endpoint', 'hs', '--since', '1d', '--format', 'csv', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { rows: number }).rows, 3);
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  assert.equal(lines[0], CSV_COLUMNS.join(','));
  assert.equal(lines.length, 4);
  assert.ok(lines[2]!.includes('"Cups, ""large"", 12"""'), lines[2]);
});

test('log export refuses a bad time or format naming the flag; log list and prune', async () => {
  const bad = await runVerb(logVerb, ['export', '--home', home, '--endpoint', 'hs', '--since', 'yesterday']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--since must be an ISO-8601 time/);
  const fmt = await runVerb(logVerb, ['export', '--home', home, '--endpoint', 'hs', '--since', '1h', '--format', 'xml']);
  assert.match(fmt.stderr, /--format must be jsonl or csv/);
  const list = await runVerb(logVerb, ['list', '--home', home, '--json']);
  assert.equal((JSON.parse(list.stdout) as Array<{ endpoint: string; rows: number }>)[0]!.rows, 3);
  const kept = await runVerb(logVerb, ['prune', '--home', home, '--json']);
  assert.equal((JSON.parse(kept.stdout) as { deleted: number }).deleted, 0);
  const pruned = await runVerb(logVerb, ['prune', '--home', home, '--log-retention-rows', '1', '--json']);
  assert.equal((JSON.parse(pruned.stdout) as { deleted: number }).deleted, 2);
});
