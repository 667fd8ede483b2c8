import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { verb as deploy } from '../../src/cli/deploy.js';
import { verb as models } from '../../src/cli/models.js';
import { runVerb } from '../helpers/run-cli.js';
import { writeSyntheticArtifact } from '../registry/models/fixtures.js';

test('the actor is the same in every verb: --actor, else LADING_ACTOR, else the login name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-cli-actor-'));
  const home = ['--home', join(dir, 'home')];
  const run = async (verb: typeof models, argv: string[], env: NodeJS.ProcessEnv = {}) => {
    const r = await runVerb(verb, [...argv, ...home], { env });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  await run(models, ['register', 'hs', writeSyntheticArtifact(dir, 1)], { LADING_ACTOR: 'erin' });
  await run(models, ['approve', 'hs', '1'], { LADING_ACTOR: 'erin' });
  await run(models, ['alias', 'hs', 'champion', '1', '--actor', 'fay'], { LADING_ACTOR: 'erin' });
  await run(deploy, ['set', 'hs', '--variant', 'main=hs@champion'], { LADING_ACTOR: 'erin' });
  await run(deploy, ['set', 'hs', '--variant', 'main=hs@1', '--actor', 'fay'], { LADING_ACTOR: 'erin' });
  await run(deploy, ['rollback', 'hs']);
  const audit = JSON.parse(await run(models, ['history', 'hs', '--json'])) as Array<{ actor: string }>;
  assert.deepEqual(audit.map((a) => a.actor), ['erin', 'erin', 'fay']);
  const revisions = JSON.parse(await run(deploy, ['history', 'hs', '--json'])) as Array<{ actor: string }>;
  assert.deepEqual(revisions.map((r) => r.actor), ['erin', 'fay', userInfo().username]);
});
