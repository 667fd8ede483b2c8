import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verb as deployVerb } from '../../src/cli/deploy.js';
import { runVerb } from '../helpers/run-cli.js';
import { startServeChild } from '../helpers/serve-child.js';
import { trainFixtureModels } from '../serving/fixtures.js';

const fx = await trainFixtureModels();
const home = join(fx.dir, 'home');
const bin = fileURLToPath(new URL('../../../bin/lading.js', import.meta.url));

const startServe = (args: string[]) => startServeChild(home, args);

const classify = (url: string, texts: string[]) => fetch(`${url}/v1/models/hs:classify`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ texts }),
});

test('swapping the model behind an endpoint under load drops and fails zero requests', async () => {
  const set = async (model: string) => {
    const r = await runVerb(deployVerb, ['set', 'hs', '--home', home, '--variant', `main=${model}`, '--reason', 'swap test', '--json']);
    assert.equal(r.code, 0, r.stderr);
  };
  await set(fx.a);
  const s = await startServe(['--deployment', 'hs', '--poll-ms', '100']);
  try {
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const versions = new Set<string>();
    const loop = async () => {
      while (!stop) {
        try {
          const r = await classify(s.url, ['500 CTNS PLASTIC CUPS', 'LED TV 32 INCH']);
          const body = (await r.json()) as { version?: string; error?: string };
          if (r.status !== 200) failures.push(`${r.status} ${body.error}`);
          else { ok++; versions.add(body.version!); }
        } catch (e) {
          failures.push(String(e));
        }
      }
    };
    const loops = Array.from({ length: 8 }, loop);
    const waitForVersions = async (n: number) => {
      for (let i = 0; i < 200 && versions.size < n; i++) await new Promise((r) => setTimeout(r, 50));
    };
    await waitForVersions(1);
    await set(fx.b); // blue -> green
    await waitForVersions(2);
    await set(fx.a); // and back: the same artifact again
    await new Promise((r) => setTimeout(r, 500));
    const history = await runVerb(deployVerb, ['history', 'hs', '--home', home, '--json']);
    assert.equal((JSON.parse(history.stdout) as unknown[]).length, 3);
    const rolled = await runVerb(deployVerb, ['rollback', 'hs', '--home', home, '--json']);
    assert.equal(rolled.code, 0, rolled.stderr);
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await Promise.all(loops);
    assert.deepEqual(failures, []);
    assert.equal(versions.size, 2, 'both models answered during the run');
    assert.ok(ok > 20, `only ${ok} requests ran`);
  } finally {
    s.child.kill('SIGTERM');
    await s.exited;
  }
});

test('graceful shutdown answers requests in flight, then refuses and exits 0', async () => {
  const s = await startServe(['--model', fx.a, '--name', 'hs', '--max-delay-ms', '2']);
  const big = Array.from({ length: 500 }, (_, i) => fx.texts[i % fx.texts.length]!);
  const inFlight = Array.from({ length: 40 }, () => classify(s.url, big));
  // Signal once the server is visibly working through them, with most still in flight.
  await Promise.race(inFlight);
  s.child.kill('SIGTERM');
  const answers = await Promise.allSettled(inFlight);
  const statuses = await Promise.all(answers.map(async (a) => (a.status === 'fulfilled' ? a.value.status : 'network-error')));
  // Every request that reached the server before SIGTERM is answered 200; later ones get 503 or a refused connection.
  assert.ok(statuses.every((st) => st === 200 || st === 503 || st === 'network-error'), statuses.join(','));
  assert.ok(statuses.filter((st) => st === 200).length > 1, statuses.join(','));
  assert.equal(await s.exited, 0, s.stderr());
  assert.match(s.stderr(), /draining/);
  await assert.rejects(classify(s.url, ['x']));
});

test('a port already in use is named, the models are unloaded, and serve exits non-zero at once', async () => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const port = (holder.address() as AddressInfo).port;
  try {
    const t0 = performance.now();
    const child = spawn(process.execPath, [bin, 'serve', '--home', home, '--model', fx.a, '--port', String(port), '--host', '127.0.0.1', '--workers', '1'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    // Without the fix the process hung here forever (workers still loaded), even through SIGTERM.
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(killer);
    assert.equal(code, 2, err);
    assert.match(err, new RegExp(`error: port ${port} on 127\\.0\\.0\\.1 is already in use`));
    assert.match(err, /flag=--port/);
    assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
    assert.ok(performance.now() - t0 < 15_000, 'exits promptly');
  } finally {
    holder.close();
  }
});

test('a deployment that does not exist is named and serve exits 2 without hanging', () => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, 'serve', '--home', home, '--deployment', 'nope', '--port', '0', '--workers', '1'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^error: no live deployment named nope$/m);
  assert.ok(performance.now() - t0 < 15_000);
});
