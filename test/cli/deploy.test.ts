import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { verb as deploy } from '../../src/cli/deploy.js';
import { verb as taxonomyVerb } from '../../src/cli/taxonomy.js';
import { openEmbeddedWorkspace } from '../../src/platform/index.js';
import type { DeploymentRecord } from '../../src/registry/deployment-store.js';
import { runVerb } from '../helpers/run-cli.js';
import { syntheticArtifact } from '../registry/models/fixtures.js';

/** A workspace with model m versions 1 and 2 (approved, m@champion = 1), and the deploy verb run in it as 'ann'. */
async function deployHome() {
  const dir = mkdtempSync(join(tmpdir(), 'lading-cli-deploy-'));
  const home = join(dir, 'home');
  const run = async (...argv: string[]) => runVerb(deploy, [...argv, '--home', home, '--actor', 'ann']);
  const json = async <T>(...argv: string[]): Promise<T> => {
    const r = await run(...argv, '--json');
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as T;
  };
  const ws = openEmbeddedWorkspace(home);
  try {
    for (const seed of [1, 2]) {
      await ws.registerModelVersion({ name: 'm', artifactBytes: syntheticArtifact(seed), actor: 'ana' });
      await ws.approveVersion({ name: 'm', version: seed, actor: 'bo' });
    }
    await ws.setAlias({ name: 'm', alias: 'champion', version: 1, actor: 'bo' });
  } finally {
    ws.close();
  }
  return { dir, home, run, json };
}

test('lading deploy: rollbacks in a row walk back, and promote/rollback --alias release a model with its alias', async () => {
  const { dir, home, run, json } = await deployHome();
  const champion = async () => {
    const ws = openEmbeddedWorkspace(home);
    try { return (await ws.resolveModel('m@champion')).version; } finally { ws.close(); }
  };
  try {
    await json('set', 'hs', '--mode', 'canary', '--variant', 'stable=m@champion:90', '--variant', 'new=m@2:10');
    await json('canary', 'hs', 'new', '--share', '50');
    await json('promote', 'hs', 'new');
    const back1 = await json<DeploymentRecord>('rollback', 'hs');
    const back2 = await json<DeploymentRecord>('rollback', 'hs');
    assert.deepEqual([back1.reason, back2.reason], ['restore revision 2', 'restore revision 1']);
    assert.deepEqual(back2.spec!.variants.map((v) => v.weight), [90, 10]);

    const released = await run('promote', 'hs', 'new', '--alias', 'champion', '--reason', 'v2 wins');
    assert.equal(released.code, 0, released.stderr);
    assert.match(released.stdout, /m@champion: 1 -> 2/);
    assert.match(released.stdout, /promote/);
    assert.equal(await champion(), 2);
    const current = await json<DeploymentRecord>('show', 'hs');
    assert.deepEqual(current.spec!.variants.map((v) => v.model), ['m@champion']);
    assert.deepEqual([current.actor, current.reason], ['ann', 'v2 wins']);

    const undone = await json<{ model: string; alias: { previousVersion: number; alias: { version: number } }; deployment: DeploymentRecord }>('rollback', 'hs', '--alias', 'champion');
    assert.deepEqual([undone.model, undone.alias.previousVersion, undone.alias.alias.version, undone.deployment.action], ['m', 2, 1, 'rollback']);
    assert.equal(await champion(), 1);

    const before = (await json<DeploymentRecord[]>('history', 'hs')).length;
    const misplaced = await run('canary', 'hs', 'new', '--share', '20', '--alias', 'champion');
    assert.notEqual(misplaced.code, 0);
    assert.match(misplaced.stderr, /--alias goes with promote and rollback only/);
    assert.equal((await json<DeploymentRecord[]>('history', 'hs')).length, before, 'a refused command writes nothing');
    assert.match((await run('--help')).stdout, /--alias ALIAS/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lading deploy set --no-log-text: the endpoint keeps it through canary, promote and release; misplaced it is refused and writes nothing', async () => {
  const { dir, run, json } = await deployHome();
  try {
    const set = await json<DeploymentRecord>('set', 'hs', '--mode', 'ab', '--variant', 'a=m@champion', '--variant', 'b=m@2', '--no-log-text');
    assert.equal(set.spec!.logText, false);
    assert.equal((await json<DeploymentRecord>('canary', 'hs', 'b', '--share', '30')).spec!.logText, false);
    assert.equal((await json<DeploymentRecord>('promote', 'hs', 'b')).spec!.logText, false);
    assert.match((await run('show', 'hs')).stdout, /single \(texts not logged\)/);
    const before = (await json<DeploymentRecord[]>('history', 'hs')).length;
    const misplaced = await run('promote', 'hs', 'b', '--no-log-text');
    assert.notEqual(misplaced.code, 0);
    assert.match(misplaced.stderr, /--no-log-text goes with set only/);
    assert.equal((await json<DeploymentRecord[]>('history', 'hs')).length, before, 'a refused command writes nothing');
    const plain = await json<DeploymentRecord>('set', 'other', '--variant', 'a=m@champion');
    assert.equal(plain.spec!.logText, undefined, 'without the flag the serving process setting decides');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lading deploy set --target-precision: kept through canary and promote; a bad value is refused naming the flag and writes nothing', async () => {
  const { dir, run, json } = await deployHome();
  try {
    const set = await json<DeploymentRecord>('set', 'hs', '--mode', 'ab', '--variant', 'a=m@champion', '--variant', 'b=m@2', '--target-precision', '0.98');
    assert.equal(set.spec!.targetPrecision, 0.98);
    assert.equal((await json<DeploymentRecord>('canary', 'hs', 'b', '--share', '30')).spec!.targetPrecision, 0.98);
    assert.equal((await json<DeploymentRecord>('promote', 'hs', 'b')).spec!.targetPrecision, 0.98);
    assert.match((await run('show', 'hs')).stdout, /single \(decides at 0\.98\)/);
    const before = (await json<DeploymentRecord[]>('history', 'hs')).length;
    for (const bad of ['0', '1.5', 'high']) {
      const r = await run('set', 'hs', '--variant', 'a=m@champion', '--target-precision', bad);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /targetPrecision must be a precision strictly between 0 and 1, e\.g\. 0\.98, got .* \(from flag --target-precision\)/);
    }
    const misplaced = await run('promote', 'hs', 'b', '--target-precision', '0.9');
    assert.match(misplaced.stderr, /--target-precision goes with set only/);
    assert.equal((await json<DeploymentRecord[]>('history', 'hs')).length, before, 'a refused command writes nothing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lading deploy set --taxonomy: pinned to the stored version, kept through canary and promote; an unknown one is refused naming it and writes nothing', async () => {
  const { dir, home, run, json } = await deployHome();
  try {
    const csv = join(dir, 'tiny.csv');
    writeFileSync(csv, 'label,text,label_4,label_2\n040320,Yogurt,0403,04\n620190,Overcoats,6201,62\n');
    assert.equal((await runVerb(taxonomyVerb, ['import', 'tiny', csv, '--home', home])).code, 0);
    const set = await json<DeploymentRecord>('set', 'hs', '--mode', 'ab', '--variant', 'a=m@champion', '--variant', 'b=m@2', '--taxonomy', 'tiny');
    assert.equal(set.spec!.taxonomy, 'tiny@1');
    assert.equal((await json<DeploymentRecord>('canary', 'hs', 'b', '--share', '30')).spec!.taxonomy, 'tiny@1');
    assert.equal((await json<DeploymentRecord>('promote', 'hs', 'b')).spec!.taxonomy, 'tiny@1');
    assert.match((await run('show', 'hs')).stdout, /single \(taxonomy tiny@1\)/);
    const before = (await json<DeploymentRecord[]>('history', 'hs')).length;
    const unknown = await run('set', 'hs', '--variant', 'a=m@champion', '--taxonomy', 'tiny@2');
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /no taxonomy tiny@2/);
    const misplaced = await run('promote', 'hs', 'b', '--taxonomy', 'tiny');
    assert.match(misplaced.stderr, /--taxonomy and --remap go with set only/);
    assert.equal((await json<DeploymentRecord[]>('history', 'hs')).length, before, 'a refused command writes nothing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
