import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { verb as models } from '../../src/cli/models.js';
import { ForbiddenError } from '../../src/core/errors.js';
import { openEmbeddedWorkspace } from '../../src/platform/index.js';
import { fourEyesWorkspace } from '../../src/registry/four-eyes.js';
import { runVerb } from '../helpers/run-cli.js';
import { writeSyntheticArtifact } from '../registry/models/fixtures.js';

test('four eyes: whoever registered a version may not approve it; someone else may; rejecting stays open', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-four-eyes-'));
  const project = join(dir, 'lading.yaml');
  writeFileSync(project, `home: ./home\nfourEyes: true\n`);
  const as = (actor: string, ...argv: string[]) => runVerb(models, [...argv, '--project', project, '--actor', actor]);
  for (const seed of [1, 2]) assert.equal((await as('ana', 'register', 'hs-codes', writeSyntheticArtifact(dir, seed))).code, 0);

  const self = await as('ana', 'approve', 'hs-codes', '1');
  assert.notEqual(self.code, 0);
  assert.match(self.stderr, /ana registered hs-codes@1 and may not approve it too: the project asks for four eyes \(fourEyes\)/);
  const ws = openEmbeddedWorkspace(join(dir, 'home'));
  try {
    assert.equal((await ws.getModelVersion('hs-codes', 1)).approval.status, 'pending', 'a refused approval changes nothing');
    assert.equal((await as('bob', 'approve', 'hs-codes', '1')).code, 0);
    assert.deepEqual([(await ws.getModelVersion('hs-codes', 1)).approval.status, (await ws.getModelVersion('hs-codes', 1)).approval.by], ['approved', 'bob']);
    assert.equal((await as('ana', 'reject', 'hs-codes', '2', '--reason', 'wrong data')).code, 0, 'stopping a version needs no second person');
    // The same rule in front of any workspace, whatever opens it (the dashboard, the admin routes, the controller).
    await assert.rejects(fourEyesWorkspace(ws).approveVersion({ name: 'hs-codes', version: 2, actor: 'ana', reason: 'x' }), (e: unknown) => e instanceof ForbiddenError && e.code === 'four-eyes');
  } finally {
    ws.close();
  }
});

test('without fourEyes, the registrant may approve (the default is unchanged)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-two-eyes-'));
  const home = ['--home', join(dir, 'home'), '--actor', 'ana'];
  assert.equal((await runVerb(models, ['register', 'm', writeSyntheticArtifact(dir, 1), ...home])).code, 0);
  assert.equal((await runVerb(models, ['approve', 'm', '1', ...home])).code, 0);
});
