import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../src/server/start-server.js';
import { singleDeployment } from '../../src/serving/deployment.js';
import { FileModelSource } from '../../src/serving/model-source.js';
import { ServingPlane } from '../../src/serving/serving-plane.js';
import { createRandom } from '../../src/core/random.js';
import { trainFixtureModels } from '../serving/fixtures.js';

const fx = await trainFixtureModels();
const plane = new ServingPlane(new FileModelSource(), { threads: 1, maxDelayMs: 2 });
await plane.deploy(singleDeployment('hs', fx.a));
const server = await startServer({ plane, host: '127.0.0.1', port: 0, maxBodyBytes: 32 * 1024 });
after(() => server.close());

/** Thousands of generated bad requests: broken JSON, wrong types, wrong shapes, odd paths and methods. */
function badRequests(n: number): Array<{ method: string; path: string; body?: string; type?: string }> {
  const r = createRandom(11);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r.next() * xs.length)]!;
  const junkValues: unknown[] = [null, 1, -1, 1e308, true, 'x', [], {}, [null], [1, 2], { a: 1 }, [[['deep']]], 'x'.repeat(20_000)];
  const good = JSON.stringify({ texts: ['PLASTIC CUPS'] });
  const goodInfer = JSON.stringify({ inputs: [{ name: 't', shape: [1], datatype: 'BYTES', data: ['x'] }] });
  const out: Array<{ method: string; path: string; body?: string; type?: string }> = [];
  for (let i = 0; i < n; i++) {
    const kind = Math.floor(r.next() * 8);
    const path = pick(['/v1/models/hs:classify', '/v2/models/hs/infer', '/v2/models/hs/versions/zzz/infer']);
    if (kind === 0) out.push({ method: 'POST', path, body: (path.includes('infer') ? goodInfer : good).slice(0, Math.floor(r.next() * good.length)) });
    else if (kind === 1) out.push({ method: 'POST', path, body: Buffer.from(Array.from({ length: 1 + Math.floor(r.next() * 200) }, () => Math.floor(r.next() * 256))).toString('latin1') });
    else if (kind === 2) out.push({ method: 'POST', path: '/v1/models/hs:classify', body: JSON.stringify({ texts: pick(junkValues), top: pick(junkValues) }) });
    else if (kind === 3) out.push({ method: 'POST', path: '/v2/models/hs/infer', body: JSON.stringify({ inputs: [{ name: pick(junkValues), shape: pick(junkValues), datatype: pick(['BYTES', 'FP32', 5, null]), data: pick(junkValues) }] }) });
    else if (kind === 4) out.push({ method: 'POST', path, body: '['.repeat(5000) + ']'.repeat(5000) });
    else if (kind === 5) out.push({ method: pick(['GET', 'PUT', 'DELETE', 'PATCH']), path: pick([path, '/v2/models/%zz', '/../../etc/passwd', '/v1/models/:classify', '/admin/deployments']) });
    else if (kind === 6) out.push({ method: 'POST', path, body: good, type: pick(['text/plain', 'application/xml', 'multipart/form-data']) });
    else out.push({ method: 'POST', path: `/v1/models/${encodeURIComponent(pick(['', 'nope', 'hs@', '@x', 'a'.repeat(300), 'hs@@1']))}:classify`, body: good });
  }
  return out;
}

test('the server stays up and correct under 2000 generated bad requests', async () => {
  const probe = async () => {
    const r = await fetch(`${server.url}/v1/models/hs:classify`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'probe' }, body: JSON.stringify({ texts: ['500 CTNS PLASTIC CUPS', 'LED TV'] }) });
    assert.equal(r.status, 200);
    return (await r.json()) as { predictions: Array<{ label: string; score: number }> };
  };
  const before = await probe();
  const reqs = badRequests(2000);
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < reqs.length) {
      const q = reqs[next++]!;
      const r = await fetch(`${server.url}${q.path}`, {
        method: q.method, ...(q.body !== undefined ? { body: q.body } : {}), headers: { 'content-type': q.type ?? 'application/json' },
      });
      const text = await r.text();
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      assert.ok(r.status >= 400 && r.status < 500, `${q.method} ${q.path} ${q.body?.slice(0, 80)} -> ${r.status} ${text.slice(0, 200)}`);
      if (r.headers.get('content-type')?.includes('json')) assert.equal(typeof (JSON.parse(text) as { error?: unknown }).error, 'string');
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  assert.equal([...statuses.values()].reduce((a, b) => a + b, 0), 2000);
  assert.deepEqual(await probe(), before, 'answers unchanged after the garbage');
  assert.equal((await fetch(`${server.url}/v2/health/ready`)).status, 200);
});
