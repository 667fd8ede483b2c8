import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainFixtureModels } from '../serving/fixtures.js';
import { testStreams } from './nats-streams.js';

const bin = fileURLToPath(new URL('../../../bin/lading.js', import.meta.url));
// A NATS server of this test's own (the machine's, as .ci/run starts it), so restarting it disturbs no other test.
const NATS_SERVER = '/usr/sbin/nats-server';
const INPUTS = 50_000;

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
});

function startNats(port: number, store: string): Promise<ChildProcess> {
  const child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (/Server is ready/.test(err)) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`nats-server exited ${code}: ${err}`)));
  });
}

if (!existsSync(NATS_SERVER)) {
  test('lading stream across a NATS restart', { skip: `${NATS_SERVER} is not installed (Debian package nats-server)` }, () => undefined);
} else {
  const fx = await trainFixtureModels();

  test(`lading stream: the NATS server restarted under load (${INPUTS.toLocaleString('en')} inputs): the worker reconnects and every input gets exactly one result`, { timeout: 300_000 }, async () => {
    const port = await freePort();
    const store = mkdtempSync(join(tmpdir(), 'lading-nats-'));
    let nats = await startNats(port, store);
    const url = `nats://127.0.0.1:${port}`;
    const s = await testStreams(url);
    const home = mkdtempSync(join(tmpdir(), 'lading-stream-restart-'));
    let worker: ChildProcess | undefined;
    try {
      await s.publishFast(Array.from({ length: INPUTS }, (_, i) => JSON.stringify({ id: `r-${i}`, text: fx.texts[i % fx.texts.length] })));
      worker = spawn(process.execPath, [bin, 'stream', '--model', fx.a, '--name', 'hs', '--from', s.input, '--to', s.outSubject, '--consumer', 'restart-test',
        '--home', home, '--workers', '1', '--stream-url', url, '--ack-wait-ms', '3000', '--no-log', '--batch', '64'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      worker.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
      const exited = new Promise<number | null>((resolve) => worker!.on('exit', (code) => resolve(code)));
      // Under way: some results stored, most not.
      for (let t = 0; t < 600; t++) {
        const c = await s.jsm.consumers.info(s.input, 'restart-test').catch(() => undefined);
        if (c !== undefined && c.ack_floor.stream_seq > 2000) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const before = (await s.jsm.consumers.info(s.input, 'restart-test')).ack_floor.stream_seq;
      assert.ok(before < INPUTS * 0.8, `the restart lands while most inputs are still to do (${before} acked)`);
      nats.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 1500));
      nats = await startNats(port, store);
      // The test's own connection reconnects too (the client's default).
      for (let t = 0; t < 600; t++) {
        const c = await s.jsm.consumers.info(s.input, 'restart-test').catch(() => undefined);
        if (c !== undefined && c.num_pending === 0 && c.num_ack_pending === 0) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const results = (await s.readMany(s.outSubject)) as Array<{ id: string }>;
      const ids = new Set(results.map((r) => r.id));
      assert.equal(ids.size, INPUTS, `${INPUTS - ids.size} inputs without a result`);
      assert.equal(results.length, INPUTS, 'no input has a second result message');
      worker.kill('SIGTERM');
      assert.equal(await exited, 0, err);
    } finally {
      worker?.kill('SIGKILL');
      await s.cleanup().catch(() => undefined);
      nats.kill('SIGKILL');
    }
  });
}
