import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { withReviewQueue } from '../../src/platform/index.js';
import { startServeChild } from '../helpers/serve-child.js';
import { trainFixtureModels } from '../serving/fixtures.js';

test('lading serve --review-below: routed texts are in the queue after SIGTERM, even those still buffered', async () => {
  const fx = await trainFixtureModels();
  const home = mkdtempSync(join(tmpdir(), 'lading-review-serve-'));
  const served = await startServeChild(home, ['--model', fx.a, '--name', 'hs', '--review-below', '1']);
  const r = await fetch(`${served.url}/v1/models/hs:classify`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'sig-1' }, body: JSON.stringify({ texts: ['LED TV 32 INCH', 'steel bolts m8', 'led tv 32 inch'] }),
  });
  assert.equal(r.status, 200);
  served.child.kill('SIGTERM'); // well within the observer's 1 s flush interval
  assert.equal(await served.exited, 0, served.stderr());
  const page = await withReviewQueue({ home, registryUrl: undefined, registrySchema: 'public' }, (q) => q.list({ endpoint: 'hs' }));
  assert.deepEqual(page.items.map((i) => [i.text, i.occurrences]), [['LED TV 32 INCH', 2], ['steel bolts m8', 1]]);
});
