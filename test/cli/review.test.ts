import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { verb as feedbackVerb } from '../../src/cli/feedback.js';
import { verb as reviewVerb } from '../../src/cli/review.js';
import { withMonitoringStore, withWorkspace } from '../../src/platform/index.js';
import { runVerb } from '../helpers/run-cli.js';
import { classify, serveModel } from '../monitoring/serving-fixture.js';
import { trainFixtureModels } from '../serving/fixtures.js';

const fx = await trainFixtureModels();
const s = await serveModel(fx.a, { reviewBelow: 1 });
const home = s.settings.home;
await classify(s.url, ['Frozen Shrimp 10kg', 'LED TV 32 INCH'], 'cli-1');
await classify(s.url, ['frozen shrimp 10KG'], 'cli-2');
await s.close(); // writes what the log and the review observer still hold
const where = { home, registryUrl: undefined, registrySchema: 'public' };
const review = (...argv: string[]) => runVerb(reviewVerb, [...argv, '--home', home], { env: { LADING_ACTOR: 'cli-user' } });

test('review list: most routed first, as a table or JSON; bad flags are errors naming the flag', async () => {
  const json = await review('list', '--endpoint', 'hs', '--json');
  assert.equal(json.code, 0, json.stderr);
  const page = JSON.parse(json.stdout) as { items: Array<{ text: string; occurrences: number }>; nextCursor: string | null };
  assert.deepEqual(page.items.map((i) => [i.text, i.occurrences]), [['Frozen Shrimp 10kg', 2], ['LED TV 32 INCH', 1]]);
  const text = await review('list', '--endpoint', 'hs', '--limit', '1');
  assert.match(text.stdout, /^id +count +text/m);
  assert.match(text.stdout, /Frozen Shrimp 10kg/);
  assert.match(text.stdout, /more: lading review list --endpoint hs --cursor \S+/);
  const cursor = /--cursor (\S+)/.exec(text.stdout)![1]!;
  assert.match((await review('list', '--endpoint', 'hs', '--cursor', cursor)).stdout, /LED TV 32 INCH/);
  const missing = await review('list');
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--endpoint is required/);
  assert.match((await review('list', '--endpoint', 'hs', '--state', 'closed')).stderr, /--state must be open, answered or all/);
  assert.match((await review('--help')).stdout, /lading review list/);
  assert.match((await review('answer', '--help')).stdout, /--accept K/);
});

test('review answer records the actor, writes feedback for the whole group; feedback to-dataset takes it for the retrain', async () => {
  const items = JSON.parse((await review('list', '--endpoint', 'hs', '--json')).stdout).items as Array<{ id: number; text: string; suggestions: Array<{ label: string }> }>;
  const shrimp = items.find((i) => i.text === 'Frozen Shrimp 10kg')!;
  const bad = await review('answer', String(shrimp.id));
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /give --label L or --accept K/);
  assert.match((await review('answer', String(shrimp.id), '--accept', '9')).stderr, /accept: must be the index of one of the item's 5 suggestion/);
  assert.match((await review('answer', '424242', '--label', 'x')).stderr, /no review item 424242/);

  const r = await review('answer', String(shrimp.id), '--label', '0306.17', '--note', 'ruling 12/2026', '--json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { item: { answer: { actor: string; label: string; note: string } }; feedback: { joinedById: number } };
  assert.deepEqual([out.item.answer.actor, out.item.answer.label, out.item.answer.note], ['cli-user', '0306.17', 'ruling 12/2026']);
  assert.equal(out.feedback.joinedById, 2);
  const feedback = await withMonitoringStore(where, (st) => st.listFeedback({ endpoint: 'hs' }));
  assert.deepEqual(feedback.map((f) => [f.requestId, f.position, f.label, f.source]), [['cli-1', 0, '0306.17', 'review:cli-user'], ['cli-2', 0, '0306.17', 'review:cli-user']]);
  const twice = await review('answer', String(shrimp.id), '--accept', '0');
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /already answered "0306.17" by cli-user/);

  const ds = await runVerb(feedbackVerb, ['to-dataset', '--endpoint', 'hs', '--home', home, '--json']);
  assert.equal(ds.code, 0, ds.stderr);
  const built = JSON.parse(ds.stdout) as { dataset: string; rows: number; items: number; replaced: number; reviewedRows: number; lineage: string };
  assert.equal(built.items, 2);
  assert.equal(built.rows, 1, 'the two occurrences are one text: one training row');
  assert.equal(built.reviewedRows, 1, 'a review answer is a reviewed row');
  assert.deepEqual((await withWorkspace({ home, registryUrl: undefined, registrySchema: 'public' }, (ws) => ws.loadDatasetRows(built.dataset))).reviewRows, [0]);
  assert.match(built.lineage, /^feedback:hs .* \(2 items, 1 rows\)/);
});

test('review export writes answered (or all) items as JSON Lines or CSV, whole or not at all', async () => {
  const file = join(home, 'answers.csv');
  const r = await review('export', '--endpoint', 'hs', '--format', 'csv', '--out', file, '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).items, 1);
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  assert.match(lines[0]!, /^id,endpoint,state,occurrences,text,/);
  assert.match(lines[1]!, /,hs,answered,2,Frozen Shrimp 10kg,.*,0306.17,cli-user,ruling 12\/2026,/);
  const all = await review('export', '--endpoint', 'hs', '--state', 'all');
  const records = all.stdout.trim().split('\n').map((l) => JSON.parse(l) as { text: string; state: string });
  assert.deepEqual(records.map((x) => [x.text, x.state]), [['Frozen Shrimp 10kg', 'answered'], ['LED TV 32 INCH', 'open']]);
  assert.match(all.stderr, /exported 2 review item\(s\) of hs/);
  assert.match((await review('export', '--endpoint', 'hs', '--format', 'xml')).stderr, /--format must be jsonl or csv/);
});
