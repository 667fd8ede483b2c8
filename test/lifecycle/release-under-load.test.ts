import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { verb as deployVerb } from '../../src/cli/deploy.js';
import { openEmbeddedWorkspace } from '../../src/platform/index.js';
import { runVerb } from '../helpers/run-cli.js';
import { classifyUnderLoad, startServeChild } from '../helpers/serve-child.js';
import { trainFixtureModels } from '../serving/fixtures.js';

/** The versions that answer 20 requests with distinct keys, one after another. */
async function servedVersions(url: string): Promise<string[]> {
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const r = await fetch(`${url}/v1/models/hs:classify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ texts: [`key ${i}`] }) });
    seen.add(((await r.json()) as { version: string }).version);
  }
  return [...seen].sort();
}

test('releases and their rollbacks (alias and deployment together) under load fail zero requests', { timeout: 120_000 }, async (t) => {
  const fx = await trainFixtureModels();
  const home = join(fx.dir, 'home');
  const ws = openEmbeddedWorkspace(home);
  for (const path of [fx.a, fx.b]) {
    const v = await ws.registerModelVersion({ name: 'hs4', artifactBytes: readFileSync(path), actor: 'ana' });
    await ws.approveVersion({ name: 'hs4', version: v.version, actor: 'bo' });
  }
  await ws.setAlias({ name: 'hs4', alias: 'champion', version: 1, actor: 'bo' });
  ws.close();
  const deploy = async (...argv: string[]) => {
    const r = await runVerb(deployVerb, [...argv, '--home', home, '--actor', 'controller', '--json']);
    assert.equal(r.code, 0, r.stderr);
  };
  await deploy('set', 'hs', '--mode', 'canary', '--variant', 'stable=hs4@champion:90', '--variant', 'new=hs4@2:10');
  const s = await startServeChild(home, ['--deployment', 'hs', '--poll-ms', '100']);
  let load: ReturnType<typeof classifyUnderLoad> | undefined;
  try {
    load = classifyUnderLoad(s.url, 'hs', ['500 CTNS PLASTIC CUPS']);
    const settle = () => new Promise((r) => setTimeout(r, 400));
    await settle();
    for (let cycle = 0; cycle < 3; cycle++) {
      await deploy('promote', 'hs', 'new', '--alias', 'champion', '--reason', `cycle ${cycle}: v2 wins`);
      // The server polls every 100 ms; on a loaded machine applying the change can take longer than one settle.
      let served = await servedVersions(s.url);
      for (const until = Date.now() + 10_000; served.join() !== '2' && Date.now() < until;) {
        await settle();
        served = await servedVersions(s.url);
      }
      assert.deepEqual(served, ['2'], 'after the release only version 2 answers');
      await deploy('rollback', 'hs', '--alias', 'champion', '--reason', `cycle ${cycle}: back`);
      await settle();
    }
    await load.stop();
    t.diagnostic(`${load.answered()} requests answered, ${load.failures.length} failed, across 3 releases and 3 release rollbacks`);
    assert.deepEqual(load.failures, []);
    assert.deepEqual([...load.versions].sort(), ['1', '2'], 'both versions answered');
    assert.ok(load.answered() > 20, `only ${load.answered()} requests ran`);
  } finally {
    // A failed assertion must not leave the load running: it would keep the test process alive.
    await load?.stop().catch(() => undefined);
    s.child.kill('SIGTERM');
    await s.exited;
    rmSync(fx.dir, { recursive: true, force: true });
  }
});
