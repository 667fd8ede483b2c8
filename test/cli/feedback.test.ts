import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { verb as dataVerb } from '../../src/cli/data.js';
import { verb as feedbackVerb } from '../../src/cli/feedback.js';
import { withMonitoringStore } from '../../src/platform/index.js';
import { runVerb } from '../helpers/run-cli.js';
import { classify, serveModel } from '../monitoring/serving-fixture.js';
import { trainFixtureModels } from '../serving/fixtures.js';

const fx = await trainFixtureModels();
const s = await serveModel(fx.a, { logText: true });
const home = s.settings.home;
const first = await classify(s.url, ['500 CTNS PLASTIC CUPS', 'LED TV 32 INCH'], 'cli-1');
await classify(s.url, ['Frozen Shrimp 10kg'], 'cli-2');
await s.close();
const countFeedback = () => withMonitoringStore({ home, registryUrl: undefined, registrySchema: 'public' }, async (st) => (await st.listFeedback({ endpoint: 'hs' })).length);

test('feedback import: a bad row names the file, line and column, and nothing is stored', async () => {
  const bad = join(home, 'bad.csv');
  writeFileSync(bad, 'id,description,hs\ncli-1,,3923.10\n,frozen shrimp 10kg,0306.17\ncli-2,,\n');
  const r = await runVerb(feedbackVerb, ['import', bad, '--home', home, '--endpoint', 'hs', '--id', 'id', '--text', 'description', '--label', 'hs']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.csv: line 4, column "hs": the label is missing/);
  assert.match(r.stderr, /row=4/);
  const unknown = join(home, 'unknown.csv');
  writeFileSync(unknown, 'id,hs\ncli-1,3923.10\nnope,0306.17\n');
  const u = await runVerb(feedbackVerb, ['import', unknown, '--home', home, '--endpoint', 'hs', '--id', 'id', '--label', 'hs']);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /unknown\.csv: line 3, column "id": no logged prediction has request id "nope"/);
  const missing = await runVerb(feedbackVerb, ['import', unknown, '--home', home, '--endpoint', 'hs', '--id', 'id', '--label', 'label']);
  assert.match(missing.stderr, /has no column "label"/);
  assert.equal(await countFeedback(), 0);
});

test('feedback import joins by id and by text; to-dataset saves the corrected texts as a dataset version', async () => {
  const good = join(home, 'rulings.csv');
  writeFileSync(good, `id,description,hs,decided\ncli-1,,3924.10,2026-12-01T09:00:00Z\n,frozen shrimp 10KG,0306.17,\n`);
  const r = await runVerb(feedbackVerb, ['import', good, '--home', home, '--endpoint', 'hs', '--id', 'id', '--text', 'description', '--label', 'hs', '--time', 'decided', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, number>;
  assert.equal(out['accepted'], 2);
  assert.equal(out['joinedById'], 1);
  assert.equal(out['joinedByText'], 1);
  const jsonl = join(home, 'more.jsonl');
  writeFileSync(jsonl, `${JSON.stringify({ request: 'cli-1', pos: 1, code: '8528.72' })}\n`);
  const j = await runVerb(feedbackVerb, ['import', jsonl, '--home', home, '--endpoint', 'hs', '--id', 'request', '--position', 'pos', '--label', 'code', '--source', 'curator']);
  assert.equal(j.code, 0, j.stderr);
  assert.equal(await countFeedback(), 3);

  const d = await runVerb(feedbackVerb, ['to-dataset', '--home', home, '--endpoint', 'hs', '--since', '30d', '--name', 'hs-fixes', '--json']);
  assert.equal(d.code, 0, d.stderr);
  const made = JSON.parse(d.stdout) as { dataset: string; rows: number; lineage: string };
  assert.equal(made.rows, 3);
  assert.match(made.lineage, /^feedback:hs .*\(3 items, 3 rows\) name=hs-fixes$/);
  const show = await runVerb(dataVerb, ['show', made.dataset, '--home', home, '--json']);
  const version = JSON.parse(show.stdout) as { stats: { rows: number }; source: { file: string } };
  assert.equal(version.stats.rows, 3);
  assert.equal(version.source.file, made.lineage, 'the lineage is the dataset version\'s source');
  void first;
});
