import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openSqliteMonitoringStore } from '../../../src/monitoring/store/sqlite/open-monitoring-store.js';
import { prediction } from './fixtures.js';

test('two connections to one file share mon_streams: a stream one adds is read, and appended to, by the other', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-mon-streams-'));
  const file = join(dir, 'monitoring.sqlite');
  const a = openSqliteMonitoringStore(file);
  const b = openSqliteMonitoringStore(file);
  try {
    await a.appendPredictions([prediction(1)]);
    // b loaded mon_streams when it opened (empty): it must read the stream a added, not give it a second id.
    await b.appendPredictions([prediction(2), prediction(3, { variant: 'canary', role: 'shadow' })]);
    await a.appendPredictions([prediction(4, { variant: 'canary', role: 'shadow' }), prediction(5)]);
    for (const store of [a, b]) {
      const streams = new Set<string>();
      const seen: number[] = [];
      for await (const page of store.scanPredictionColumns({ endpoint: 'hs', role: 'any' })) {
        for (let i = 0; i < page.length; i++) {
          const s = page.streams[page.stream[i]!]!;
          streams.add(`${s.variant}/${s.role}`);
          seen.push(page.seq[i]!);
        }
      }
      assert.deepEqual(seen, [1, 2, 3, 4, 5]);
      assert.deepEqual([...streams], ['main/primary', 'canary/shadow']);
      assert.equal((await store.findByRequestId('req-4'))!.variant, 'canary');
      assert.equal(await store.countPredictions({ endpoint: 'hs', role: 'shadow', variant: 'canary' }), 2);
    }
  } finally {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lookups find every row when two connections append in turn and one prunes: the catch-up reads back what it did not write itself', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-mon-catchup-'));
  const file = join(dir, 'monitoring.sqlite');
  const a = openSqliteMonitoringStore(file);
  const b = openSqliteMonitoringStore(file);
  const batch = (from: number) => Array.from({ length: 50 }, (_, i) => prediction(from + i, { requestId: `r-${from + i}` }));
  try {
    await a.appendPredictions(batch(0));
    assert.equal((await a.findByRequestId('r-10'))?.at, prediction(10).at, 'a\'s own rows, indexed from memory');
    await a.appendPredictions(batch(50));
    await b.appendPredictions(batch(100));
    await a.appendPredictions(batch(150));
    // a's rows since its catch-up are not contiguous (b wrote between): a reads the file.
    for (const store of [a, b]) {
      for (const i of [0, 49, 50, 99, 100, 149, 150, 199]) assert.equal((await store.findByRequestId(`r-${i}`))?.at, prediction(i).at, `r-${i}`);
    }
    await a.appendPredictions(batch(200));
    assert.equal(await a.prunePredictions({ maxRows: 30, now: prediction(250).at }), 220);
    await a.appendPredictions(batch(250));
    assert.equal(await a.findByRequestId('r-219'), undefined, 'pruned');
    for (const i of [220, 249, 250, 299]) assert.equal((await a.findByRequestId(`r-${i}`))?.at, prediction(i).at, `r-${i} after the prune`);
  } finally {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
