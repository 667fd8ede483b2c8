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
