import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseCsv } from '../../src/data/csv.js';
import { verb as taxonomyVerb } from '../../src/cli/taxonomy.js';
import { startServingProcess, type ServingProcess } from '../../src/platform/index.js';
import { nearestCodes, NEAREST_PER_CLASS } from '../../src/serving/serving-taxonomy.js';
import { servingSettings } from '../monitoring/serving-fixture.js';
import { HS6_CSV } from './hs-fixtures.js';
import { hsHomeWithModel, ok } from './hs-served-model.js';

/**
 * A served model none of whose labels is a code of the active taxonomy (HS 2022 less every code
 * the model learnt): each answer has no valid code, and the person reviewing it is offered the
 * taxonomy's codes beside the model's guesses, not the guesses themselves.
 */
const dir = mkdtempSync(join(tmpdir(), 'lading-taxnear-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const { home, fx, model, goods } = await hsHomeWithModel(dir);
const hs6 = parseCsv(readFileSync(HS6_CSV, 'utf8'), HS6_CSV);
const col = (name: string) => hs6.header.indexOf(name);
const gapsCsv = join(dir, 'hs2022-gaps.csv');
const kept = hs6.records.filter((r) => !fx.counts.has(r[col('label')]!));
const line = (r: readonly string[]) => r.map((f) => (/[",\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',');
writeFileSync(gapsCsv, [line(['label', 'text', 'label_4', 'label_2']), ...kept.map((r) => line([r[col('label')]!, r[col('text')]!, r[col('label_4')]!, r[col('label_2')]!]))].join('\n') + '\n');
const GAPS = new Map(kept.map((r) => [r[col('label')]!, r[col('text')]!]));
await ok(taxonomyVerb, ['import', 'gaps', gapsCsv, '--home', home]);

async function classify(url: string, texts: readonly string[], top: number): Promise<any[]> {
  const r = await fetch(`${url}/v1/models/hs:classify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ texts, top }) });
  assert.equal(r.status, 200);
  return ((await r.json()) as { predictions: any[] }).predictions;
}

async function serve(taxonomy: string | undefined): Promise<ServingProcess> {
  const p = await startServingProcess(servingSettings({ home, ...(taxonomy ? { servingTaxonomy: taxonomy } : {}) }), { models: [{ ref: model, endpoint: 'hs' }] });
  after(() => p.close());
  return p;
}

const sharedPrefix = (a: string, b: string) => { let p = 0; while (p < a.length && a[p] === b[p]) p++; return p; };

describe('a "no valid code" answer under a taxonomy', () => {
  it('offers the taxonomy\'s codes nearest the model\'s guesses, with descriptions, ranked by the model\'s scores', async () => {
    const texts = goods.records.filter((_, i) => i % 15 === 0).slice(0, 8).map((r) => r[goods.header.indexOf('text')]!);
    const plain = await serve(undefined);
    const guesses = await classify(plain.url, texts, 10);
    const s = await serve('gaps');
    const answers = await classify(s.url, texts, 3);
    await s.plane.observersFlushed();
    await s.review!.observer!.flush();
    const items = (await s.review!.queue.list({ endpoint: 'hs', limit: 100 })).items;
    let offered = 0;
    answers.forEach((a, i) => {
      assert.equal(a.label, null);
      assert.equal(a.review.reason, 'no-valid-code');
      const own = (guesses[i].top as { label: string; score: number }[]);
      for (const c of a.review.candidates as { label: string; description: string }[]) {
        assert.equal(c.description, GAPS.get(c.label), `${c.label} is a code of the taxonomy, with its description`);
        assert.ok(own.some((g) => sharedPrefix(g.label, c.label) >= 2), `${c.label} shares at least a chapter with one of the model's guesses`);
      }
      const item = items.find((x) => x.text === texts[i])!;
      if (a.review.candidates.length === 0) return;
      offered++;
      // The queue item offers the same codes (its first 5), best first by the model's scores; never the model's own codes.
      assert.deepEqual(item.suggestions.map((x) => x.label), a.review.candidates.map((c: { label: string }) => c.label).slice(0, item.suggestions.length));
      for (let k = 1; k < item.suggestions.length; k++) assert.ok(item.suggestions[k - 1]!.score >= item.suggestions[k]!.score);
      assert.ok(item.suggestions.every((x) => GAPS.has(x.label)));
      // The model's best guess has codes of its heading or chapter in the taxonomy: the first suggestion carries at least its score.
      if (nearestCodes(own[0]!.label, [...GAPS.keys()].sort()).length > 0) assert.ok(item.suggestions[0]!.score >= own[0]!.score - 1e-6);
    });
    assert.ok(offered >= texts.length / 2, `only ${offered} of ${texts.length} answers offered codes`);
  });
});

describe('nearestCodes: what a person is offered for a model class the taxonomy lacks', () => {
  const codes = ['010121', '940510', '940541', '940542', '940549', '940610', '950300'];
  it('the codes sharing the longest leading part: the subheading group, else the heading (HS4), else the chapter (HS2)', () => {
    assert.deepEqual(nearestCodes('940540', codes), ['940541', '940542', '940549']);
    assert.deepEqual(nearestCodes('940590', codes), ['940510', '940541', '940542', '940549']);
    assert.deepEqual(nearestCodes('949900', codes), ['940510', '940541', '940542', '940549', '940610']);
  });
  it('nothing when no code shares even a chapter; at most NEAREST_PER_CLASS codes', () => {
    assert.deepEqual(nearestCodes('382200', codes), []);
    assert.deepEqual(nearestCodes('', codes), []);
    const many = Array.from({ length: 30 }, (_, i) => `8517${String(i).padStart(2, '0')}`);
    assert.deepEqual(nearestCodes('851799', many), many.slice(0, NEAREST_PER_CLASS));
  });
});
