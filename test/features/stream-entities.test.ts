import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startStreamProcess } from '../../src/platform/index.js';
import { decodeStreamInput, DEFAULT_INPUT_FIELDS } from '../../src/stream/stream-input.js';
import { testStreams } from '../stream/nats-streams.js';
import { prepareFeatureHome } from './serving-features.js';

const enc = (s: string) => new TextEncoder().encode(s);

test('a stream message carries its entities in `entities`; a bad one is a dead letter naming the field', () => {
  const f = DEFAULT_INPUT_FIELDS;
  assert.deepEqual(decodeStreamInput(enc('{"id": "a", "text": "cups", "entities": {"importer": "I1"}}'), 'm', f, 100).input,
    { id: 'a', text: 'cups', key: undefined, entities: { importer: 'I1' } });
  assert.deepEqual(decodeStreamInput(enc('{"id": "a", "text": "cups", "entities": null}'), 'm', f, 100).input, { id: 'a', text: 'cups', key: undefined });
  const bad = decodeStreamInput(enc('{"id": "b", "text": "cups", "entities": {"importer": 7}}'), 'm', f, 100);
  assert.equal(bad.input, undefined);
  assert.equal(bad.id, 'b');
  assert.match(bad.reason!, /entities\.importer/);
  assert.match(decodeStreamInput(enc('{"id": "c", "text": "cups", "entities": ["I1"]}'), 'm', f, 100).reason!, /"entities" must be an object/);
  assert.deepEqual(decodeStreamInput(enc('{"t": "cups", "who": {"importer": "I2"}}'), 'm', { ...f, text: 't', entities: 'who' }, 100).input?.entities, { importer: 'I2' });
});

// Only test files read the environment. Locally: LADING_TEST_NATS_URL=nats://127.0.0.1:4222
const url = process.env['LADING_TEST_NATS_URL'];
if (url === undefined || url === '') {
  test('lading stream with entity features', { skip: 'LADING_TEST_NATS_URL is not set (e.g. nats://127.0.0.1:4222)' }, () => undefined);
} else {
  test('lading stream looks the entities of each message up: the feature decides, a message without them is answered from its text', async () => {
    const home = await prepareFeatureHome(`imp_stream_${process.pid}`);
    const s = await testStreams(url);
    const worker = await startStreamProcess({
      home: home.home, registryUrl: undefined, registrySchema: 'public', workers: 1, maxDelayMs: 2, pollMs: 1000,
      log: false, logFlushMs: 1000, logQueueTexts: 50_000, logRetentionDays: 30, logRetentionRows: 10_000_000, logText: true,
      streamUrl: url, host: '127.0.0.1', maxBodyKb: 1024,
    }, { models: [{ ref: home.model, endpoint: 'hs' }] }, { from: s.input, to: s.outSubject, batch: 16 });
    try {
      await s.publish([
        JSON.stringify({ id: 'm1', text: 'goods lot 5', entities: { importer: 'I1' } }),
        JSON.stringify({ id: 'm2', text: 'goods lot 5', entities: { importer: 'I2' } }),
        JSON.stringify({ id: 'm3', text: 'goods lot 5' }),
        JSON.stringify({ id: 'm4', text: 'goods lot 5', entities: { importer: 'NOBODY' } }),
      ]);
      const until = Date.now() + 30_000;
      let results: Array<{ id: string; label: string; score: number }> = [];
      while (results.length < 4 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 200));
        results = (await s.read(s.outSubject)) as typeof results;
      }
      const by = new Map(results.map((r) => [r.id, r]));
      assert.equal(by.get('m1')?.label, 'textiles');
      assert.equal(by.get('m2')?.label, 'hardware');
      assert.deepEqual([by.get('m4')?.label, by.get('m4')?.score], [by.get('m3')?.label, by.get('m3')?.score], 'an unknown key answers as the text alone');
    } finally {
      await worker.close();
      await s.cleanup();
    }
  });
}
