import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DatasetRows } from '../../src/core/dataset.js';
import type { FeatureViewSpec } from '../../src/features/feature-spec.js';
import { readIngestFile } from '../../src/features/ingest-file.js';
import { materializeFeatures, withOfflineStore } from '../../src/platform/features.js';
import { runTraining } from '../../src/training/train-run.js';
import { serveModel, servingSettings, type ServedModel } from '../monitoring/serving-fixture.js';

/**
 * Serving with entity features, through the real app over HTTP: a model whose label only the
 * importer's feature decides, the view registered and materialized into the real online store
 * (SQLite in the home, or Redis), the real prediction log. Run by serving-sqlite.test.ts and
 * serving-redis.test.ts.
 */
const DAY = 86_400_000;

export interface FeatureHome {
  /** A temp home whose offline store holds the view and whose online store (or Redis) its materialized values. */
  readonly home: string;
  /** A linear model trained with the view's feature, whose label only that feature decides. */
  readonly model: string;
  readonly column: string;
}

/** The view `viewName` registered, ingested and materialized (I1: chapter 61, I2: 73, I3: past the TTL), and a model trained with it. */
export async function prepareFeatureHome(viewName: string, onlineUrl?: string): Promise<FeatureHome> {
  const column = `${viewName}:top_chapter`;
  const settings = servingSettings();
  const view: FeatureViewSpec = {
    name: viewName, entity: { name: 'importer', joinKey: 'importer_id' }, timestampColumn: 'event_time', ttlMs: 30 * DAY,
    features: [{ name: 'top_chapter', type: 'string' }],
  };
  const now = Date.now();
  const csv = join(settings.home, 'history.csv');
  // I1 trades textiles (chapter 61), I2 hardware (73); I3's only value is past the view's 30-day TTL.
  writeFileSync(csv, `importer_id,event_time,top_chapter\nI1,${now - DAY},61\nI2,${now - DAY},73\nI3,${now - 90 * DAY},61\n`);
  await withOfflineStore(settings, async (store) => {
    await store.apply([view], 'test');
    await store.ingest(viewName, await readIngestFile(csv, view), 'test');
  });
  await materializeFeatures({ ...settings, features: {}, ...(onlineUrl ? { onlineStoreUrl: onlineUrl } : {}) }, [viewName]);
  // The text says nothing (each text comes once with either label); the importer's chapter says everything.
  const n = 400;
  const rows: DatasetRows = {
    textColumn: 'text', labelColumns: ['label'],
    texts: Array.from({ length: n }, (_, i) => `goods lot ${Math.floor(i / 2)}`),
    labels: { label: Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 'textiles' : 'hardware')) },
    featureColumns: [column],
    features: { [column]: Array.from({ length: n }, (_, i) => (i % 2 === 0 ? '61' : '73')) },
  };
  const run = await runTraining({ rows, labelColumn: 'label', kind: 'linear', seed: 1, upsample: false, threads: 1, params: {}, validFraction: 0.2 });
  const model = join(settings.home, 'with-features.lading');
  writeFileSync(model, run.bytes);
  return { home: settings.home, model, column };
}

export function servingWithFeaturesSuite(label: string, online: { readonly url?: string; cleanup(view: string): Promise<void> }): void {
  describe(`serving with entity features: ${label}`, () => {
    // A view name of its own per run: Redis is shared between runs and test files.
    const viewName = `imp_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const column = `${viewName}:top_chapter`;
    let served: ServedModel;
    const post = async (path: string, body: unknown, requestId?: string) => {
      const r = await fetch(`${served.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(requestId ? { 'x-request-id': requestId } : {}) }, body: JSON.stringify(body) });
      return { status: r.status, body: (await r.json()) as Record<string, any> };
    };
    const classify = (body: unknown, requestId?: string) => post('/v1/models/hs:classify', body, requestId);

    before(async () => {
      const home = await prepareFeatureHome(viewName, online.url);
      served = await serveModel(home.model, { home: home.home, ...(online.url ? { onlineStoreUrl: online.url } : {}) } as never);
    });
    after(async () => {
      await served?.close();
      await online.cleanup(viewName);
    });

    it('answers with the looked-up feature when the request names the entity: the feature decides', async () => {
      const i1 = await classify({ texts: ['goods lot 7'], entities: { importer: 'I1' } });
      const i2 = await classify({ texts: ['goods lot 7'], entities: { importer: 'I2' } });
      const alone = await classify({ texts: ['goods lot 7'] });
      assert.equal(i1.status, 200, JSON.stringify(i1.body));
      assert.equal(i1.body['predictions'][0].label, 'textiles');
      assert.equal(i2.body['predictions'][0].label, 'hardware');
      // The text alone can only give one of the two: one importer's answer differs from it.
      const aloneLabel = alone.body['predictions'][0].label;
      assert.ok([i1, i2].some((r) => r.body['predictions'][0].label !== aloneLabel), aloneLabel);
      // Per text in one request, the join key accepted as the entity's name; a null is "no key".
      const each = await classify({ texts: ['goods lot 7', 'goods lot 7', 'goods lot 7'], entities: [{ importer: 'I2' }, { importer_id: 'I1' }, null] });
      assert.deepEqual(each.body['predictions'].map((p: any) => p.label), ['hardware', 'textiles', alone.body['predictions'][0].label]);
      assert.equal(each.body['predictions'][2].score, alone.body['predictions'][0].score);
    });

    it('answers an unknown or expired key from the text alone, and the log says so; a found key is logged with its value', async () => {
      const alone = await classify({ texts: ['goods lot 9'] }, 'alone-1');
      const unknown = await classify({ texts: ['goods lot 9'] , entities: { importer: 'NOBODY' } }, 'unknown-1');
      const expired = await classify({ texts: ['goods lot 9'], entities: { importer: 'I3' } }, 'expired-1');
      const found = await classify({ texts: ['goods lot 9'], entities: { importer: 'I1' } }, 'found-1');
      for (const r of [unknown, expired]) {
        assert.equal(r.status, 200);
        assert.deepEqual(r.body['predictions'], alone.body['predictions']);
      }
      assert.equal(found.body['predictions'][0].label, 'textiles');
      await served.log!.flush();
      const row = (id: string) => served.log!.store.findByRequestId(id);
      assert.equal((await row('unknown-1'))!.features, null, 'text alone');
      assert.equal((await row('expired-1'))!.features, null, 'text alone');
      assert.equal((await row('alone-1'))!.features, null, 'no key: text alone');
      assert.deepEqual((await row('found-1'))!.features, { [column]: '61' });
      assert.equal((await row('found-1'))!.text, 'goods lot 9', 'the log keeps the text as sent, without feature tokens');
    });

    it('takes entity keys as OIP BYTES input tensors, one per entity ("" for none)', async () => {
      const r = await post('/v2/models/hs/infer', {
        id: 'oip-1',
        inputs: [
          { name: 'text', shape: [3], datatype: 'BYTES', data: ['goods lot 3', 'goods lot 3', 'goods lot 3'] },
          { name: 'importer', shape: [3, 1], datatype: 'BYTES', data: [['I1'], ['I2'], ['']] },
        ],
        outputs: [{ name: 'label' }],
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const labels = r.body['outputs'][0].data as string[];
      assert.deepEqual(labels.slice(0, 2), ['textiles', 'hardware']);
      await served.log!.flush();
      const logged = await served.log!.store.findByRequestId('oip-1', 1);
      assert.deepEqual(logged!.features, { [column]: '73' });
      assert.equal((await served.log!.store.findByRequestId('oip-1', 2))!.features, null);
    });

    it('refuses a badly shaped `entities` or entity tensor with 400 naming the field, and answers nothing', async () => {
      const cases: Array<[unknown, RegExp]> = [
        [{ texts: ['goods lot 1'], entities: 'I1' }, /^entities$/],
        [{ texts: ['goods lot 1', 'goods lot 2'], entities: [{ importer: 'I1' }] }, /^entities$/],
        [{ texts: ['goods lot 1'], entities: { importer: 42 } }, /^entities\.importer$/],
        [{ texts: ['goods lot 1'], entities: [{ importer: '' }] }, /^entities\[0\]\.importer$/],
        [{ texts: ['goods lot 1'], entities: [['I1']] }, /^entities\[0\]$/],
      ];
      for (const [body, field] of cases) {
        const r = await classify(body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.match(r.body['field'] ?? '', field, JSON.stringify(r.body));
        assert.match(r.body['error'], /entities/);
      }
      const oip = await post('/v2/models/hs/infer', {
        inputs: [{ name: 'text', shape: [2], datatype: 'BYTES', data: ['a b', 'c d'] }, { name: 'importer', shape: [3], datatype: 'BYTES', data: ['I1', 'I2', 'I3'] }],
      });
      assert.equal(oip.status, 400);
      assert.match(oip.body['error'], /inputs\[1\]\.shape/);
      const typed = await post('/v2/models/hs/infer', {
        inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: ['a b'] }, { name: 'importer', shape: [1], datatype: 'INT64', data: [5] }],
      });
      assert.equal(typed.status, 400);
      assert.match(typed.body['error'], /inputs\[1\].*datatype/);
    });
  });
}
