import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { predictionRoute } from '../../src/server/fast-predict.js';
import { startServer, type RunningServer } from '../../src/server/start-server.js';
import { singleDeployment } from '../../src/serving/deployment.js';
import { FileModelSource } from '../../src/serving/model-source.js';
import { ServingPlane } from '../../src/serving/serving-plane.js';
import { trainFixtureModels } from '../serving/fixtures.js';

const fx = await trainFixtureModels();

/** One server as `lading serve` runs it (fast path on) and one with every request through Hono. */
async function serve(fastPath: boolean): Promise<{ server: RunningServer; plane: ServingPlane }> {
  const plane = new ServingPlane(new FileModelSource(), { threads: 1, maxDelayMs: 2 });
  await plane.deploy(singleDeployment('hs', fx.a));
  const server = await startServer({ plane, host: '127.0.0.1', port: 0, token: 'sekret', protectPredictions: true, maxBodyBytes: 2048, fastPath });
  return { server, plane };
}
const fast = await serve(true);
const hono = await serve(false);
after(async () => { await fast.server.close(); await hono.server.close(); });

const AUTH = { authorization: 'Bearer sekret' };
const JSON_HEADERS = { 'content-type': 'application/json', ...AUTH };
const tensor = (name: string, data: unknown) => ({ name, shape: [Array.isArray(data) ? data.length : 1], datatype: 'BYTES', data });

/** `hono`: answered by a Hono route or middleware in both servers (the fast path leaves it alone). */
interface Case { readonly name: string; readonly path: string; readonly body?: unknown; readonly headers?: Record<string, string>; readonly hono?: boolean }

const cases: Case[] = [
  { name: 'v1 valid, top 3, with id', path: '/v1/models/hs:classify', body: { texts: ['500 CTNS PLASTIC CUPS', 'LED TV 32 INCH'], top: 3 }, headers: { 'x-request-id': 'r-1' } },
  { name: 'v1 valid, generated id', path: '/v1/models/hs:classify', body: { texts: ['500 CTNS PLASTIC CUPS'] } },
  { name: 'v1 explain', path: '/v1/models/hs:classify', body: { texts: ['LED TV 32 INCH'], explain: true, key: 'm-1' }, headers: { 'x-request-id': 'r-2' } },
  { name: 'v1 query string', path: '/v1/models/hs:classify?x=1', body: { texts: ['LED TV'] }, headers: { 'x-request-id': 'r-3' } },
  { name: 'v1 percent-encoded name (Hono)', path: '/v1/models/h%73:classify', body: { texts: ['LED TV'] }, headers: { 'x-request-id': 'r-4' }, hono: true },
  { name: 'v1 bad json', path: '/v1/models/hs:classify', body: '{"texts": [', headers: { 'x-request-id': 'e-1' } },
  { name: 'v1 empty body', path: '/v1/models/hs:classify', body: '', headers: { 'x-request-id': 'e-2' } },
  { name: 'v1 wrong content type', path: '/v1/models/hs:classify', body: '{"texts":["x"]}', headers: { 'content-type': 'text/plain', 'x-request-id': 'e-3' } },
  { name: 'v1 body too large', path: '/v1/models/hs:classify', body: { texts: ['x'.repeat(3000)] }, headers: { 'x-request-id': 'e-4' } },
  { name: 'v1 texts not an array', path: '/v1/models/hs:classify', body: { texts: 'x' }, headers: { 'x-request-id': 'e-5' } },
  { name: 'v1 blank text', path: '/v1/models/hs:classify', body: { texts: ['LED TV', ' '] }, headers: { 'x-request-id': 'e-6' } },
  { name: 'v1 unknown field', path: '/v1/models/hs:classify', body: { texts: ['LED TV'], nope: 1 }, headers: { 'x-request-id': 'e-7' } },
  { name: 'v1 bad top', path: '/v1/models/hs:classify', body: { texts: ['LED TV'], top: 0 }, headers: { 'x-request-id': 'e-8' } },
  { name: 'v1 bad request id', path: '/v1/models/hs:classify', body: { texts: ['LED TV'] }, headers: { 'x-request-id': 'has spaces' } },
  { name: 'v1 unknown model', path: '/v1/models/nope:classify', body: { texts: ['LED TV'] }, headers: { 'x-request-id': 'e-9' } },
  { name: 'v1 unknown variant', path: '/v1/models/hs@nope:classify', body: { texts: ['LED TV'] }, headers: { 'x-request-id': 'e-10' } },
  { name: 'v1 no suffix (Hono)', path: '/v1/models/hs', body: { texts: ['LED TV'] }, hono: true },
  { name: 'v1 no token', path: '/v1/models/hs:classify', body: { texts: ['LED TV'] }, headers: { authorization: '' }, hono: true },
  { name: 'v1 wrong token', path: '/v1/models/hs:classify', body: { texts: ['LED TV'] }, headers: { authorization: 'Bearer nope' }, hono: true },
  { name: 'v1 wrong token of the right length', path: '/v1/models/hs:classify', body: { texts: ['LED TV'] }, headers: { authorization: 'Bearer sekreT' }, hono: true },
  { name: 'oip valid with id', path: '/v2/models/hs/infer', body: { id: '42', inputs: [tensor('text', ['500 CTNS PLASTIC CUPS', 'LED TV'])] }, headers: { 'x-request-id': 'other' } },
  { name: 'oip header id only', path: '/v2/models/hs/infer', body: { inputs: [tensor('text', ['LED TV'])] }, headers: { 'x-request-id': 'o-1' } },
  { name: 'oip classification extension', path: '/v2/models/hs/infer', body: { id: 'c', inputs: [tensor('text', ['LED TV'])], outputs: [{ name: 'label', parameters: { classification: 3 } }, { name: 'score' }] } },
  { name: 'oip nested [batch, 1]', path: '/v2/models/hs/infer', body: { id: 'n', inputs: [{ name: 'text', shape: [2, 1], datatype: 'BYTES', data: [['LED TV'], ['SHOES']] }] } },
  { name: 'oip id no header can carry', path: '/v2/models/hs/infer', body: { id: 'zé\n1', inputs: [tensor('text', ['LED TV'])] }, headers: { 'x-request-id': 'o-2' } },
  { name: 'oip wrong input name', path: '/v2/models/hs/infer', body: { id: 'w', inputs: [tensor('input0', ['LED TV'])] }, headers: { 'x-request-id': 'o-3' } },
  { name: 'oip blank text', path: '/v2/models/hs/infer', body: { id: 'b', inputs: [tensor('text', ['LED TV', ''])] }, headers: { 'x-request-id': 'o-4' } },
  { name: 'oip not a tensor request', path: '/v2/models/hs/infer', body: [1, 2], headers: { 'x-request-id': 'o-5' } },
  { name: 'oip version that does not exist', path: '/v2/models/hs/versions/nope/infer', body: { id: 'v', inputs: [tensor('text', ['LED TV'])] }, headers: { 'x-request-id': 'o-6' } },
  { name: 'oip unknown model, odd id', path: '/v2/models/nothing/infer', body: { id: 'a\nb', inputs: [tensor('text', ['x'])] } },
  { name: 'oip no token', path: '/v2/models/hs/infer', body: { inputs: [tensor('text', ['LED TV'])] }, headers: { authorization: '' }, hono: true },
];

interface Seen { status: number; headers: Record<string, string | null>; body: unknown }

async function call(server: RunningServer, c: Case): Promise<Seen> {
  const headers: Record<string, string> = { ...JSON_HEADERS, ...c.headers };
  if (headers['authorization'] === '') delete headers['authorization'];
  const r = await fetch(`${server.url}${c.path}`, { method: 'POST', headers, body: typeof c.body === 'string' ? c.body : JSON.stringify(c.body) });
  const text = await r.text();
  const body = JSON.parse(text) as Record<string, unknown>;
  const id = r.headers.get('x-request-id');
  // A generated id differs from server to server: it must be there, and where the body holds it, be the same.
  const sent = [...Object.values(c.headers ?? {}), (c.body as { id?: unknown } | undefined)?.id];
  const generated = id !== null && !sent.includes(id);
  if (generated) {
    assert.match(id, /^\S+-[0-9a-z]+$/, c.name);
    if (body['requestId'] !== undefined) { assert.equal(body['requestId'], id, c.name); body['requestId'] = '<generated>'; }
  }
  return {
    status: r.status,
    headers: {
      'content-type': r.headers.get('content-type'), 'x-request-id': generated ? '<generated>' : id,
      'www-authenticate': r.headers.get('www-authenticate'), 'content-length': String(Buffer.byteLength(text)) === r.headers.get('content-length') ? 'exact' : r.headers.get('content-length'),
    },
    body,
  };
}

test('the fast path takes exactly the prediction routes Hono maps to the prediction calls', () => {
  assert.deepEqual(predictionRoute('/v1/models/hs:classify'), { kind: 'classify', name: 'hs' });
  assert.deepEqual(predictionRoute('/v1/models/hs@champion:classify?x=1'), { kind: 'classify', name: 'hs@champion' });
  assert.deepEqual(predictionRoute('/v1/models/a:classify:classify'), { kind: 'classify', name: 'a:classify' });
  assert.deepEqual(predictionRoute('/v2/models/hs/infer'), { kind: 'infer', name: 'hs', version: undefined });
  assert.deepEqual(predictionRoute('/v2/models/hs/versions/3/infer'), { kind: 'infer', name: 'hs', version: '3' });
  for (const other of ['/v1/models/:classify', '/v1/models/hs', '/v1/models/a/b:classify', '/v1/models/h%73:classify', '/v1/models/hs:classify/',
    '/v2/models//infer', '/v2/models/hs/infer/', '/v2/models/hs/versions//infer', '/v2/models/hs/other/3/infer', '/v2/models/hs/versions/3/x/infer',
    '/v2/models/hs', '/v1/feedback', '/metrics', '', 'v1/models/hs:classify']) {
    assert.equal(predictionRoute(other), undefined, other);
  }
});

test('the fast path answers every valid and invalid prediction request as the Hono routes do, through real HTTP', async () => {
  const statuses = new Map<string, number>();
  for (const c of cases) {
    const a = await call(fast.server, c);
    statuses.set(c.name, a.status);
    const b = await call(hono.server, c);
    assert.deepEqual(a, b, c.name);
    assert.equal(a.headers['content-type'], 'application/json', c.name);
    if (!c.hono) assert.notEqual(a.headers['x-request-id'], null, `${c.name}: X-Request-Id`);
    assert.equal(predictionRoute(c.path) === undefined || c.headers?.['authorization'] !== undefined, c.hono === true, `${c.name}: taken by the fast path`);
  }
  // The answers the cases expect, so that equality is not two servers agreeing on something wrong.
  const status = async (name: string) => statuses.get(name);
  assert.equal(await status('v1 valid, top 3, with id'), 200);
  assert.equal(await status('v1 body too large'), 413);
  assert.equal(await status('v1 wrong content type'), 415);
  assert.equal(await status('v1 unknown model'), 404);
  assert.equal(await status('v1 no token'), 401);
  assert.equal(await status('oip wrong input name'), 400);
  const text = async (s: RunningServer) => (await fetch(`${s.url}/metrics`)).text();
  const errors = (t: string) => t.split('\n').filter((l) => l.startsWith('lading_request_errors_total')).sort();
  const [fm, hm] = await Promise.all([text(fast.server), text(hono.server)]);
  assert.ok(errors(fm).length > 5);
  assert.deepEqual(errors(fm).map((l) => l.replace(/ \d+$/, '')), errors(hm).map((l) => l.replace(/ \d+$/, '')), 'the same error series');
  const requests = (t: string) => /lading_requests_total\{[^}]*endpoint="hs"[^}]*\} (\d+)/.exec(t)?.[1];
  await Promise.all([fast.plane.observersFlushed(), hono.plane.observersFlushed()]);
  assert.equal(requests(await text(fast.server)), requests(await text(hono.server)));
});

test('OIP over real HTTP: an input name the model does not have is answered 400 naming it, on both paths', async () => {
  for (const s of [fast.server, hono.server]) {
    const r = await fetch(`${s.url}/v2/models/hs/infer`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ inputs: [tensor('input0', ['LED TV'])] }) });
    assert.equal(r.status, 400);
    const b = (await r.json()) as Record<string, string>;
    assert.match(b['error']!, /model "hs" has no input named "input0"; its one input is "text"/);
    assert.equal(b['field'], 'inputs[0].name');
    assert.ok(r.headers.get('x-request-id'));
  }
});

test('shutdown waits for a fast-path request in flight and answers it', async () => {
  const s = await serve(true);
  const body = JSON.stringify({ texts: ['LED TV 32 INCH'] });
  const req = request(`${s.server.url}/v1/models/hs:classify`, { method: 'POST', headers: { ...JSON_HEADERS, 'content-length': String(Buffer.byteLength(body)) } });
  const answered = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', reject);
  });
  // Half the body: the request is in flight (its handler is reading) when the shutdown starts.
  req.write(body.slice(0, 5));
  await new Promise((r) => setTimeout(r, 50));
  let closed = false;
  const closing = s.server.close().then(() => { closed = true; });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(closed, false, 'the shutdown waits for the request');
  req.end(body.slice(5));
  assert.equal(await answered, 200);
  await closing;
});
