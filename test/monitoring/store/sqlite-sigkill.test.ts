import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openSqliteMonitoringStore } from '../../../src/monitoring/store/sqlite/open-monitoring-store.js';
import { CATCH_UP_ROWS } from '../../../src/monitoring/store/sqlite/prediction-log.js';

const BATCH = 1000;

// The child: appends 1,000-row batches to the file as fast as it can and prints the number of each
// batch once appendPredictions resolved (committed). It never stops by itself.
const child = (file: string) => `
const { openSqliteMonitoringStore } = await import(${JSON.stringify(new URL('../../../src/monitoring/store/sqlite/open-monitoring-store.js', import.meta.url).href)});
const { manyRows } = await import(${JSON.stringify(new URL('./fixtures.js', import.meta.url).href)});
const store = openSqliteMonitoringStore(${JSON.stringify(file)});
for (let b = 0; ; b++) {
  await store.appendPredictions(manyRows(${BATCH}, (i) => ({ requestId: 'kill-' + b, position: i - b * ${BATCH} }), b * ${BATCH}));
  process.stdout.write(b + '\\n');
}
`;

test('SIGKILL while appending (and catching up the lookup tables) leaves a file that opens with every committed batch whole and findable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-mon-kill-'));
  const file = join(dir, 'monitoring.sqlite');
  try {
    // Past one lookup catch-up (CATCH_UP_ROWS), so the kill may land in an append or in a catch-up.
    const killAfter = CATCH_UP_ROWS / BATCH + 7;
    const proc = spawn(process.execPath, ['--input-type=module', '-e', child(file)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    let committed = -1;
    let out = '';
    const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      proc.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const lines = out.split('\n');
        out = lines.pop()!;
        for (const l of lines) committed = Number(l);
        if (committed >= killAfter) { proc.kill('SIGKILL'); resolve(); }
      });
      void exited.then(() => reject(new Error(`the appending child exited before it was killed: ${stderr}`)));
    });
    assert.equal(await exited, 'SIGKILL');

    const store = openSqliteMonitoringStore(file);
    try {
      const n = await store.countPredictions({ endpoint: 'hs' });
      assert.ok(n >= (committed + 1) * BATCH, `every batch reported committed is there: ${n} rows, ${committed + 1} batches reported`);
      assert.equal(n % BATCH, 0, `whole batches only: ${n} rows`);
      const last = n / BATCH - 1;
      for (const b of [0, Math.floor(last / 2), last]) {
        const p = await store.findByRequestId(`kill-${b}`, 999);
        assert.equal(p?.at, 1_700_000_000_000 + (b * BATCH + 999) * 1000, `batch ${b} found by request id after the crash`);
      }
      assert.equal((await store.findLatestByText('hs', (await store.findByRequestId(`kill-${last}`, 0))!.textSha256))!.requestId, `kill-${last}`);
      let scanned = 0;
      for await (const page of store.scanPredictionColumns({ endpoint: 'hs' })) scanned += page.length;
      assert.equal(scanned, n);
      await store.appendPredictions([]);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
