import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FeatureCell } from '../../src/core/dataset.js';
import type { FeatureViewSpec } from '../../src/features/feature-spec.js';
import type { OnlineStore } from '../../src/features/online-store.js';
import { onlineFeatureLookup } from '../../src/features/serving-lookup.js';
import { openSqliteOnlineStore } from '../../src/features/sqlite/online-store.js';
import { withOfflineStore } from '../../src/platform/features.js';
import { singleDeployment } from '../../src/serving/deployment.js';
import type { EntityKeys } from '../../src/serving/entity-features.js';
import { FileModelSource } from '../../src/serving/model-source.js';
import { ServingPlane } from '../../src/serving/serving-plane.js';
import { prepareFeatureHome, type FeatureHome } from './serving-features.js';

const VIEW = 'imp_batching';
let home: FeatureHome;
let spec: FeatureViewSpec;
let online: OnlineStore;
/** The real SQLite online store, its reads counted. */
const reads: number[] = [];
const calls: number[] = [];
let plane: ServingPlane;
const warnings: string[] = [];

before(async () => {
  home = await prepareFeatureHome(VIEW);
  spec = await withOfflineStore({ home: home.home, registryUrl: undefined, registrySchema: 'public' }, async (s) => (await s.getView(VIEW)).spec);
  const store = openSqliteOnlineStore(join(home.home, 'online.sqlite'));
  online = { write: (...a) => store.write(...a), read: (view, features, keys) => { reads.push(keys.length); return store.read(view, features, keys); }, close: () => store.close() };
  const lookup = onlineFeatureLookup(online, async () => spec);
  plane = new ServingPlane(new FileModelSource(), {
    threads: 1, maxDelayMs: 2, onWarning: (w) => warnings.push(w),
    lookupFeatures: (columns: readonly string[], entities: readonly (EntityKeys | undefined)[]): Promise<FeatureCell[][]> => { calls.push(entities.length); return lookup(columns, entities); },
  });
  await plane.deploy(singleDeployment('hs', home.model));
});
after(() => plane.close());

test('one store read per batch: a 32-text call, and 20 single-text calls arriving together', async () => {
  reads.length = 0; calls.length = 0;
  const texts = Array.from({ length: 32 }, (_, i) => `goods lot ${i}`);
  const a = await plane.classify('hs', texts, { entities: texts.map((_, i) => ({ importer: i % 2 === 0 ? 'I1' : 'I2' })) });
  assert.deepEqual(calls, [32]);
  assert.deepEqual(reads, [2], 'the distinct keys, once');
  assert.deepEqual(Array.from(a.topIds, (c) => a.model.labels[c]), texts.map((_, i) => (i % 2 === 0 ? 'textiles' : 'hardware')));
  reads.length = 0; calls.length = 0;
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => plane.classify('hs', ['goods lot 4'], { entities: [{ importer: i % 2 === 0 ? 'I1' : 'I2' }] })));
  assert.deepEqual(calls, [20], 'the calls of one turn of the event loop are coalesced');
  assert.deepEqual(reads, [2]);
  assert.deepEqual(answers.map((x) => x.model.labels[x.topIds[0]!]), answers.map((_, i) => (i % 2 === 0 ? 'textiles' : 'hardware')));
  reads.length = 0; calls.length = 0;
  await plane.classify('hs', ['goods lot 4']);
  assert.deepEqual(calls, [], 'no keys, no lookup');
});

test('an online store that fails answers from the text alone, counted and warned, and fails no request', async () => {
  const alone = await plane.classify('hs', ['goods lot 8']);
  await online.close(); // the real store, closed: its reads throw
  const answered = await plane.classify('hs', ['goods lot 8'], { entities: [{ importer: 'I1' }] });
  assert.equal(answered.topIds[0], alone.topIds[0]);
  assert.equal(answered.topScores[0], alone.topScores[0]);
  assert.match(warnings.join('\n'), /online feature lookup failed 1 time/);
  assert.match(await plane.metrics.registry.metrics(), /lading_feature_lookup_errors_total 1/);
});
