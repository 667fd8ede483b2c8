import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { verb } from '../../src/cli/ui.js';
import { runVerb } from '../helpers/run-cli.js';

/** A port free a moment ago (the verb prints the one it took only when it stops, so the test picks it). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

test('lading ui serves the dashboard over --home until its signal, then says where it was', async () => {
  const home = mkdtempSync(join(tmpdir(), 'lading-ui-verb-'));
  const port = await freePort();
  const stop = new AbortController();
  const running = runVerb(verb, ['--home', home, '--port', String(port), '--token', 'tok', '--json'], { signal: stop.signal });
  const base = `http://127.0.0.1:${port}`;
  let info: Response | undefined;
  for (let i = 0; i < 100 && info === undefined; i++) {
    info = await fetch(`${base}/v1/ui/info`).catch(() => undefined);
    if (info === undefined) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(info, 'lading ui did not answer within 10 s');
  assert.deepEqual(await info.json(), { registry: true, deployments: true, alerts: true, monitoring: true, experiments: true, review: true, pipelines: true, tokenRequired: true, endpoints: [] });
  assert.equal((await fetch(`${base}/ui/`)).status, 200);
  assert.deepEqual(await (await fetch(`${base}/v1/ui/models`)).json(), { models: [] });
  stop.abort();
  const run = await running;
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { url: `${base}/ui/`, port, registry: home, tokenRequired: true });
});

test('lading ui refuses a bad --port with a message naming it, and starts nothing', async () => {
  const run = await runVerb(verb, ['--home', mkdtempSync(join(tmpdir(), 'lading-ui-verb-')), '--port', 'eighty']);
  assert.notEqual(run.code, 0);
  assert.match(run.stderr, /port/);
  assert.equal(run.stdout, '');
});
