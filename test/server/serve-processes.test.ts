import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withMonitoringStore } from '../../src/platform/index.js';
import { startServeChild } from '../helpers/serve-child.js';
import { trainFixtureModels } from '../serving/fixtures.js';

const fx = await trainFixtureModels();

const TEXTS = ['500 CTNS PLASTIC CUPS', 'LED TV 32 INCH', 'Frozen Shrimp 10kg', 'cotton t-shirts for men'];

/** The processes the primary forked (its children), by pid. */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter((l) => l.length > 0).map(Number);
  } catch {
    return [];
  }
}

async function classifyMany(url: string, n: number, loops = 8): Promise<{ ids: string[]; failures: string[] }> {
  const ids: string[] = [];
  const failures: string[] = [];
  let next = 0;
  const loop = async () => {
    while (next < n) {
      const i = next++;
      const r = await fetch(`${url}/v1/models/hs:classify`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ texts: [TEXTS[i % TEXTS.length]!] }),
      });
      const body = (await r.json()) as { requestId?: string; error?: string };
      if (r.status === 200) ids.push(body.requestId!); else failures.push(`${r.status} ${body.error}`);
    }
  };
  await Promise.all(Array.from({ length: loops }, loop));
  return { ids, failures };
}

test('serve --processes 2: two processes share the port, feedback finds answers of either, /metrics sums both, a killed process comes back, SIGTERM logs every answer', async () => {
  const home = mkdtempSync(join(tmpdir(), 'lading-processes-'));
  // The log's timer would flush only after a minute: feedback must find the answers through the flush it asks every process for.
  const s = await startServeChild(home, ['--model', fx.a, '--name', 'hs', '--processes', '2', '--log-flush-ms', '60000']);
  let exited = false;
  try {
    const kids = childrenOf(s.child.pid!);
    assert.equal(kids.length, 2, `two serving processes under the primary, got ${kids.join(', ')}`);

    // Many short-lived connections: the primary hands connections out in turn, so both processes answer.
    const first = await classifyMany(s.url, 60);
    assert.deepEqual(first.failures, []);
    const feedback = await fetch(`${s.url}/v1/feedback`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: 'hs', items: first.ids.map((requestId) => ({ requestId, label: '3924' })) }),
    });
    const fb = (await feedback.json()) as { accepted?: number; joinedById?: number; error?: string };
    assert.equal(feedback.status, 201, fb.error);
    assert.equal(fb.joinedById, 60, 'every answer, whichever process gave it, is joined');

    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    const requests = /^lading_requests_total\{[^}]*endpoint="hs"[^}]*\} (\d+)$/m.exec(metrics);
    assert.equal(Number(requests?.[1]), 60, 'one scrape counts the requests of both processes');

    // A process killed outright is started again; the other answers meanwhile.
    process.kill(kids[0]!, 'SIGKILL');
    for (let i = 0; i < 200 && !s.stderr().includes('starting it again'); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(s.stderr(), /serving process \d died \(SIGKILL\); starting it again/);
    for (let i = 0; i < 200 && childrenOf(s.child.pid!).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(childrenOf(s.child.pid!).length, 2);
    // Ready again: wait until the new process answers (its first connections may still be taken).
    await new Promise((r) => setTimeout(r, 1500));
    const second = await classifyMany(s.url, 40);
    assert.deepEqual(second.failures, []);

    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0);
    exited = true;
    assert.deepEqual(childrenOf(s.child.pid!), []);
    const logged = await withMonitoringStore({ home, registryUrl: undefined, registrySchema: 'public' }, async (st) => {
      let found = 0;
      for (const id of [...first.ids, ...second.ids]) if (await st.findByRequestId(id)) found++;
      return { found, total: await st.countPredictions({ endpoint: 'hs' }) };
    });
    assert.deepEqual(logged, { found: 100, total: 100 }, 'SIGTERM: both processes drained and wrote every answer, once');
  } finally {
    if (!exited) s.child.kill('SIGKILL');
  }
});
