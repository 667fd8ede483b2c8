import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainFixtureModels } from '../serving/fixtures.js';
import { testStreams } from './nats-streams.js';

// Only test files read the environment. Locally: LADING_TEST_NATS_URL=nats://127.0.0.1:4222
const url = process.env['LADING_TEST_NATS_URL'];
const bin = fileURLToPath(new URL('../../../bin/lading.js', import.meta.url));
const INPUTS = 200_000;
const KILLS = 10;

if (url === undefined || url === '') {
  test('lading stream under SIGKILL', { skip: 'LADING_TEST_NATS_URL is not set (e.g. nats://127.0.0.1:4222)' }, () => undefined);
} else {
  const fx = await trainFixtureModels();

  test(`lading stream: ${INPUTS.toLocaleString('en')} inputs, workers SIGKILLed ${KILLS} times at random points and started again: every input has exactly one result message`, { timeout: 600_000 }, async () => {
    const s = await testStreams(url);
    const home = mkdtempSync(join(tmpdir(), 'lading-stream-kill-'));
    const workers = new Set<ChildProcess>();
    const ready = new WeakSet<ChildProcess>();
    const errors: string[] = [];
    const start = () => {
      // A short AckWait, so what a killed worker held comes back within seconds.
      const child = spawn(process.execPath, [bin, 'stream', '--model', fx.a, '--name', 'hs', '--from', s.input, '--to', s.outSubject, '--consumer', 'kill-test',
        '--home', home, '--workers', '1', '--stream-url', url, '--ack-wait-ms', '3000', '--no-log', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.once('data', () => ready.add(child));
      let err = '';
      child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
      child.on('exit', (code, signal) => {
        workers.delete(child);
        if (signal !== 'SIGKILL' && code !== 0) errors.push(`worker exited ${code}: ${err}`);
      });
      workers.add(child);
    };
    try {
      await s.publishFast(Array.from({ length: INPUTS }, (_, i) => JSON.stringify({ id: `k-${i}`, text: fx.texts[i % fx.texts.length] })));
      start();
      start();
      // Random points: each kill lands 0.3-2.3 s after the previous one, while the two share the work.
      let seed = 12345;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      for (let k = 0; k < KILLS; k++) {
        await new Promise((r) => setTimeout(r, 300 + random() * 2000));
        const victims = [...workers];
        const victim = victims[Math.floor(random() * victims.length)]!;
        victim.kill('SIGKILL');
        start();
      }
      const consumerDone = async () => {
        for (let t = 0; t < 600; t++) {
          const c = await s.jsm.consumers.info(s.input, 'kill-test');
          if (c.num_pending === 0 && c.num_ack_pending === 0) return c;
          await new Promise((r) => setTimeout(r, 500));
        }
        throw new Error('inputs still pending after 5 minutes');
      };
      const consumer = await consumerDone();
      assert.ok(consumer.num_redelivered > 0 || consumer.delivered.consumer_seq > INPUTS, 'the kills left inputs delivered again');
      // A worker killed before it has started has no SIGTERM handler yet: stop only started ones.
      for (let t = 0; t < 300 && [...workers].some((w) => !ready.has(w)); t++) await new Promise((r) => setTimeout(r, 100));
      const stopped = [...workers].map((w) => new Promise((r) => w.once('exit', r)));
      for (const w of workers) w.kill('SIGTERM');
      await Promise.all(stopped);
      assert.deepEqual(errors, []);
      const results = (await s.readMany(s.outSubject)) as Array<{ id: string }>;
      const count = new Map<string, number>();
      for (const r of results) count.set(r.id, (count.get(r.id) ?? 0) + 1);
      const missing = Array.from({ length: INPUTS }, (_, i) => `k-${i}`).filter((id) => !count.has(id));
      const twice = [...count].filter(([, n]) => n > 1);
      assert.deepEqual(missing.slice(0, 10), [], `${missing.length} inputs without a result`);
      assert.deepEqual(twice.slice(0, 10), [], `${twice.length} inputs with more than one result message`);
      assert.equal(results.length, INPUTS);
    } finally {
      for (const w of workers) w.kill('SIGKILL');
      await s.cleanup();
    }
  });
}
