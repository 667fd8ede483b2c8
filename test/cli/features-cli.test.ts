import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { verb as featuresVerb } from '../../src/cli/features.js';
import type { ApplyResult, FeatureAuditEntry, IngestResult } from '../../src/features/offline-store.js';
import { openEmbeddedWorkspace } from '../../src/platform/index.js';
import { tempDir } from '../data/temp-dir.js';
import { runVerb } from '../helpers/run-cli.js';

const PROJECT = `home: ./home
features:
  entities:
    importer: { joinKey: importer_id }
  views:
    importer_history:
      entity: importer
      timestamp: event_time
      ttl: 30d
      features: { top_chapter: string, lines_30d: int }
`;

/** A project with lading.yaml; `cli` runs `lading features ...` against it. */
function project(t: { after(fn: () => void): void }) {
  const tmp = tempDir(t, 'lading-features-cli-');
  const file = tmp.write('lading.yaml', PROJECT);
  const cli = (...argv: string[]) => runVerb(featuresVerb, [...argv, '--project', file, ...(argv[0] === 'apply' || argv[0] === 'ingest' ? ['--actor', 'ana'] : [])]);
  return { tmp, file, cli, home: join(tmp.dir, 'home') };
}

test('lading features: apply, ingest and a point-in-time training set saved as a dataset version with the view versions as lineage', async (t) => {
  const { tmp, cli, home } = project(t);
  const applied = await cli('apply', '--json', '--reason', 'first views');
  assert.equal(applied.code, 0, applied.stderr);
  assert.deepEqual((JSON.parse(applied.stdout) as ApplyResult[]).map((r) => [r.view.name, r.view.version, r.change]), [['importer_history', 1, 'created']]);
  assert.match((await cli('apply')).stdout, /importer_history +1 +unchanged +importer +top_chapter:string lines_30d:int +30d/);

  const values = tmp.write('history.csv', [
    'importer_id,event_time,top_chapter,lines_30d',
    'acme,2026-01-01,61,3',
    'acme,2026-01-10T12:00:00Z,62,',
    'bolt,2026-01-05T08:00:00,84,12',
  ].join('\n'));
  const ingested = await cli('ingest', 'importer_history', values, '--json');
  assert.equal(ingested.code, 0, ingested.stderr);
  assert.deepEqual((JSON.parse(ingested.stdout) as IngestResult).rows, 3);

  const examples = tmp.write('examples.csv', [
    'importer_id,event_time,text,label',
    'acme,2026-01-10T11:59:59Z,cotton shirts,6205', // one second before the 62 row: still 61
    'acme,2026-01-10T12:00:00Z,steel screws,7318', // exactly at it: 62 (lines_30d empty there: null)
    'bolt,2026-01-05T07:59:59Z,tv sets,8528', // bolt's only value is one second later: nothing
    'acme,2026-03-01,cotton socks,6115', // the newest value is 50 days old, TTL 30 days: nothing
    'zed,2026-01-20,wine,2204', // an importer with no values: nothing
  ].join('\n'));
  const set = await cli('training-set', '--examples', examples, '--features', 'importer_history:top_chapter,importer_history:lines_30d', '--json');
  assert.equal(set.code, 0, set.stderr);
  const out = JSON.parse(set.stdout) as { dataset: { id: string; source: { features: string[] } }; created: boolean; lineage: string[]; joins: { matched: number; expired: number; missing: number }[] };
  assert.deepEqual([out.created, out.lineage, out.dataset.source.features], [true, ['importer_history@1'], ['importer_history@1']]);
  assert.deepEqual(out.joins.map((j) => [j.matched, j.expired, j.missing]), [[2, 1, 2]]);
  const ws = openEmbeddedWorkspace(home);
  t.after(() => ws.close());
  const rows = await ws.loadDatasetRows(out.dataset.id);
  assert.deepEqual(rows.featureColumns, ['importer_history:top_chapter', 'importer_history:lines_30d']);
  assert.deepEqual(rows.features!['importer_history:top_chapter'], ['61', '62', null, null, null]);
  assert.deepEqual(rows.features!['importer_history:lines_30d'], [3, null, null, null, null]);
  assert.deepEqual(rows.labels['label'], ['6205', '7318', '8528', '6115', '2204']);
  // The same join again is the same dataset version.
  const again = JSON.parse((await cli('training-set', '--examples', examples, '--features', 'importer_history:top_chapter,importer_history:lines_30d', '--json')).stdout) as { dataset: { id: string }; created: boolean };
  assert.deepEqual([again.dataset.id, again.created], [out.dataset.id, false]);

  const audit = JSON.parse((await cli('audit', '--json')).stdout) as FeatureAuditEntry[];
  assert.deepEqual(audit.map((a) => [a.actor, a.action, a.detail]), [['ana', 'apply', 'created: first views'], ['ana', 'ingest', `3 rows from ${values}`]]);
});

test('lading features: bad input is named (file, row, column; key and line of lading.yaml) and changes nothing', async (t) => {
  const { tmp, file, cli, home } = project(t);
  tmp.write('lading.yaml', PROJECT.replace('ttl: 30d', 'ttl: 30 days').replace('entity: importer', 'entity: importr'));
  const bad = await cli('apply');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /lading\.yaml:7:\d+: features\.views\.importer_history\.entity: unknown entity "importr" \(declared: importer\)/);
  assert.match(bad.stderr, /lading\.yaml:9:\d+: features\.views\.importer_history\.ttl: a ttl is a duration such as 45s/);
  assert.ok(!existsSync(join(home, 'features.sqlite')), 'a bad project file opens no store');
  tmp.write('lading.yaml', PROJECT.replace('timestamp: event_time', 'timestamp: event_time\n      colour: red'));
  assert.match((await cli('apply')).stderr, /lading\.yaml:9:\d+: features\.views\.importer_history\.colour: unknown key/);

  tmp.write('lading.yaml', PROJECT);
  assert.equal((await cli('apply')).code, 0);
  const values = tmp.write('bad.csv', ['importer_id,event_time,top_chapter,lines_30d', 'acme,2026-01-01,61,3', 'acme,2026-01-02,62,lots', 'bolt,2026-01-03,84,1'].join('\n'));
  const refused = await cli('ingest', 'importer_history', values);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /bad\.csv: row 3, column "lines_30d": expected an integer, got "lots"/);
  const badTime = tmp.write('bad-time.csv', ['importer_id,event_time,top_chapter', 'acme,yesterday,61'].join('\n'));
  assert.match((await cli('ingest', 'importer_history', badTime)).stderr, /bad-time\.csv: row 2, column "event_time": expected a time/);
  const noKey = tmp.write('no-key.csv', ['event_time,top_chapter', '2026-01-01,61'].join('\n'));
  assert.match((await cli('ingest', 'importer_history', noKey)).stderr, /no-key\.csv.*importer_id/);
  assert.match((await cli('ingest', 'nope', values)).stderr, /no feature view "nope" \(registered: importer_history\)/);
  const audit = JSON.parse((await cli('audit', '--json')).stdout) as FeatureAuditEntry[];
  assert.deepEqual(audit.map((a) => a.action), ['apply'], 'no refused file stored a row');

  assert.match((await cli('training-set', '--examples', values, '--features', 'importer_history')).stderr, /--features: "importer_history" is not VIEW:FEATURE/);
  assert.match((await cli('training-set', '--examples', values, '--features', 'importer_history:colour')).stderr, /has no feature "colour"/);
  void file;
});
