import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { verb as dataVerb } from '../../src/cli/data.js';
import { verb as deployVerb } from '../../src/cli/deploy.js';
import { verb as serveVerb } from '../../src/cli/serve.js';
import { verb as taxonomyVerb } from '../../src/cli/taxonomy.js';
import { openPlatformReviewQueue, startServingProcess, type ServingProcess } from '../../src/platform/index.js';
import { encodeStreamResult } from '../../src/stream/stream-result.js';
import { servingSettings } from '../monitoring/serving-fixture.js';
import { runVerb } from '../helpers/run-cli.js';
import { LEGACY } from './hs-fixtures.js';
import { hsHomeWithModel, ok, trainOnHs2022 } from './hs-served-model.js';

/**
 * Serving through an endpoint's active taxonomy, end to end: the shared HS data, a model trained on
 * HS 2017 labels (some of which HS 2022 lacks), real servers over HTTP, the real review queue.
 */
const dir = mkdtempSync(join(tmpdir(), 'lading-taxserve-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const hs = await hsHomeWithModel(dir);
const { home, fx, model, goods, textsOf } = hs;
const HS2022 = hs.hs2022;
const legacyTexts = Object.keys(LEGACY).flatMap((code) => textsOf(code).slice(0, 3));

async function post(url: string, path: string, body: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const r = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Record<string, any> };
}

async function serve(overrides: Parameters<typeof servingSettings>[0], target: Parameters<typeof startServingProcess>[1] = { models: [{ ref: model, endpoint: 'hs' }] }): Promise<ServingProcess> {
  const p = await startServingProcess(servingSettings({ home, ...overrides }), target);
  after(() => p.close());
  return p;
}

describe('serving through the active taxonomy (hs2022) a model trained on HS 2017 labels', () => {
  it('REST and OIP never answer a code HS 2022 lacks, and carry the official descriptions', async () => {
    const s = await serve({ servingTaxonomy: 'hs2022' });
    const rest = await post(s.url, '/v1/models/hs:classify', { texts: legacyTexts, top: 3 });
    assert.equal(rest.status, 200, JSON.stringify(rest.body));
    let answered = 0;
    for (const p of rest.body['predictions'] as any[]) {
      assert.ok(p.decision === 'auto' || p.decision === 'review');
      if (p.label === null) { assert.equal(p.decision, 'review'); continue; }
      answered++;
      assert.ok(HS2022.has(p.label), `answered ${p.label}, which HS 2022 lacks`);
      assert.equal(p.description, HS2022.get(p.label));
      for (const t of p.top) {
        assert.ok(HS2022.has(t.label), `top holds ${t.label}`);
        assert.equal(t.description, HS2022.get(t.label));
      }
    }
    assert.ok(answered > legacyTexts.length / 2, `only ${answered} of ${legacyTexts.length} answered`);
    // The legacy codes are the model's own best guesses for its own training texts: it had to look past them.
    assert.ok(!(rest.body['predictions'] as any[]).some((p) => p.label in LEGACY));

    const oip = await post(s.url, '/v2/models/hs/infer', { inputs: [{ name: 'text', shape: [legacyTexts.length], datatype: 'BYTES', data: legacyTexts }] });
    assert.equal(oip.status, 200, JSON.stringify(oip.body));
    const out = (name: string) => (oip.body['outputs'] as any[]).find((o) => o.name === name);
    assert.deepEqual((oip.body['outputs'] as any[]).map((o) => o.name), ['label', 'score', 'description', 'decision']);
    out('label').data.forEach((code: string, i: number) => {
      if (code === '') { assert.equal(out('decision').data[i], 'review'); return; }
      assert.ok(HS2022.has(code), `OIP answered ${code}`);
      assert.equal(out('description').data[i], HS2022.get(code));
      assert.equal(code, rest.body['predictions'][i].label, 'REST and OIP answer the same code');
    });
    assert.equal(oip.body['parameters'].taxonomy, 'hs2022@1');
    const probabilities = await post(s.url, '/v2/models/hs/infer', { inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: ['yoghurt'] }], outputs: [{ name: 'probabilities' }] });
    assert.equal(probabilities.status, 400);
    assert.match(probabilities.body['error'], /taxonomy hs2022@1/);
  });

  it('when none of the best candidates is a code of the active taxonomy, the answer is "review" and the queue gets the item', async () => {
    // A taxonomy holding none of the model's labels: every answer has no valid code.
    const other = join(dir, 'other.csv');
    writeFileSync(other, 'label,text,label_4,label_2\n010121,Pure-bred breeding horses,0101,01\n010129,Live horses other than pure-bred breeding,0101,01\n');
    await ok(taxonomyVerb, ['import', 'horses', other, '--home', home]);
    const s = await serve({ servingTaxonomy: 'horses@1' });
    const text = textsOf('392410')[0] ?? legacyTexts[0]!;
    const r = await post(s.url, '/v1/models/hs:classify', { texts: [text] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body['predictions'][0], { label: null, score: null, description: null, top: [], decision: 'review', review: { reason: 'no-valid-code', candidates: [] } });
    await s.plane.observersFlushed();
    await s.review!.observer!.flush();
    const items = await s.review!.queue.list({ endpoint: 'hs' });
    assert.deepEqual(items.items.map((i) => i.text), [text]);
    assert.ok(items.items[0]!.suggestions.length > 0, 'the model\'s own guesses, for the person to see');
  });

  it('through a remap table (deploy set --remap): a retired code answers as its successor, a split goes to review with its candidates', async () => {
    const refused = await runVerb(deployVerb, ['set', 'hs', '--variant', `main=${model}`, '--taxonomy', 'hs1999', '--home', home]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /no taxonomy hs1999/);
    const badTable = await runVerb(deployVerb, ['set', 'hs', '--variant', `main=${model}`, '--remap', 'hs2012->hs2022', '--home', home]);
    assert.notEqual(badTable.code, 0);
    assert.match(badTable.stderr, /no correlation table from hs2012 to hs2022/);
    assert.equal(JSON.parse(await ok(deployVerb, ['list', '--home', home, '--json'])).length, 0, 'a refused deployment stores nothing');

    const set = JSON.parse(await ok(deployVerb, ['set', 'hs', '--variant', `main=${model}`, '--remap', 'hs2017->hs2022', '--home', home, '--json']));
    assert.equal(set.spec.taxonomy, 'hs2022@1');
    assert.match(set.spec.remap, /^corr-/);
    const s = await serve({}, { deployments: ['hs'] });
    const renamed = textsOf('040310').slice(0, 3);
    const split = textsOf('940540').slice(0, 3);
    const r = await post(s.url, '/v1/models/hs:classify', { texts: [...renamed, ...split], top: 3 });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const preds = r.body['predictions'] as any[];
    // Training texts: the model answers its own 040310 / 940540 for (almost) all of them.
    assert.ok(preds.slice(0, 3).filter((p) => p.label === '040320').length >= 2, JSON.stringify(preds.slice(0, 3)));
    for (const p of preds.slice(0, 3).filter((x) => x.label === '040320')) assert.equal(p.description, HS2022.get('040320'));
    const splits = preds.slice(3).filter((p) => p.review?.reason === 'taxonomy-split');
    assert.ok(splits.length >= 2, JSON.stringify(preds.slice(3)));
    for (const p of splits) {
      assert.equal(p.decision, 'review');
      assert.equal(p.label, null);
      assert.deepEqual(p.review.candidates, ['940541', '940542', '940549'].map((label) => ({ label, description: HS2022.get(label) })));
    }
    await s.plane.observersFlushed();
    await s.review!.observer!.flush();
    const items = (await s.review!.queue.list({ endpoint: 'hs' })).items.filter((i) => split.includes(i.text));
    assert.ok(items.length >= 2);
    for (const i of items) assert.deepEqual(i.suggestions.map((x) => [x.label, x.description]), ['940541', '940542', '940549'].map((c) => [c, HS2022.get(c)]));
    // Delayed labels of the renamed code count for the model's 040310 in the decide-or-route refit; the split's codes for no class.
    const hsEndpoint = s.plane.list().find((e) => e.name === 'hs')!;
    const identity = hsEndpoint.models()[0]!;
    const classes = hsEndpoint.answeredClasses(identity.sha256)!;
    assert.equal(identity.labels[classes.get('040320')!], '040310');
    assert.equal(classes.has('940541'), false);
  });

  it('a model retrained on the new taxonomy skips the table (the transition ends when it is promoted); stream results carry the same fields', async () => {
    const retrained = await trainOnHs2022(dir, hs);
    const s = await serve({ servingRemap: 'hs2017->hs2022' }, { models: [{ ref: retrained, endpoint: 'hs' }, { ref: model, endpoint: 'old' }] });
    const text = textsOf('392410')[0]!;
    const plain = await post(s.url, '/v2/models/hs/infer', { inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: [text] }] });
    assert.equal(plain.body['parameters'].taxonomy, 'hs2022@1');
    assert.equal(plain.body['parameters'].remap, undefined, 'the retrained model is not remapped');
    const old = await post(s.url, '/v2/models/old/infer', { inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: [text] }] });
    assert.match(old.body['parameters'].remap, /^corr-/);

    const answer = await s.plane.classify('old', textsOf('940540').slice(0, 1), { top: 3 });
    const result = JSON.parse(encodeStreamResult('in-1', answer, 0, 3, new Int32Array(3), new Float32Array(3)));
    assert.equal(result.id, 'in-1');
    assert.equal(result.decision, 'review');
    assert.deepEqual(result.review.candidates.map((c: any) => c.label), ['940541', '940542', '940549']);
    const fine = await s.plane.classify('old', [text], { top: 1 });
    const r2 = JSON.parse(encodeStreamResult('in-2', fine, 0, 1, new Int32Array(1), new Float32Array(1)));
    assert.equal(r2.description, HS2022.get(r2.label));
  });

  it('taxonomy map --dataset sends the split rows to the review queue with their candidate codes, once', async () => {
    const imported = JSON.parse(await ok(dataVerb, ['import', fx.goodsCsv, '--label', 'label,label_4,label_2,label_full', '--levels', '2,4,6', '--home', home, '--json'])) as { dataset: { id: string } };
    const map = ['map', 'hs2017', 'hs2022', fx.correlationCsv, '--dataset', imported.dataset.id, '--review-endpoint', 'broker', '--home', home, '--json'];
    const first = JSON.parse(await ok(taxonomyVerb, map));
    const splits = first.dataset.split as { row: number; oldCode: string; candidates: string[]; text: string }[];
    assert.ok(splits.length > 0);
    assert.deepEqual(first.dataset.queued, { endpoint: 'broker', added: splits.length, duplicates: 0 });
    const again = JSON.parse(await ok(taxonomyVerb, map));
    assert.deepEqual(again.dataset.queued, { endpoint: 'broker', added: 0, duplicates: splits.length });
    const queue = await openPlatformReviewQueue({ home, registryUrl: undefined, registrySchema: 'public' });
    try {
      const items = (await queue.list({ endpoint: 'broker', limit: 500 })).items;
      for (const s of splits) {
        const item = items.find((i) => i.text === s.text);
        assert.ok(item, `split row ${s.row} is in the queue`);
        assert.deepEqual(item.suggestions.map((x) => x.label), s.candidates);
      }
    } finally {
      await queue.close();
    }
  });

  it('an unknown taxonomy in lading.yaml stops lading serve naming the key and line, before anything starts', async () => {
    const project = join(dir, 'lading.yaml');
    writeFileSync(project, 'workers: 1\nservingTaxonomy: hs1999\n');
    const r = await runVerb(serveVerb, ['--model', model, '--home', home, '--project', project, '--port', '0']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /servingTaxonomy \(.*lading\.yaml:2:\d+\): no taxonomy hs1999/);
  });
});
