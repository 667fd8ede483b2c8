import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servedApp } from './served-app.js';

const { app } = await servedApp();

const infer = (body: unknown, headers: Record<string, string> = {}) =>
  app.request('/v2/models/hs/infer', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const json = async (r: Response) => (await r.json()) as Record<string, any>;
const tensor = (name: string, data: string[]) => ({ name, shape: [data.length], datatype: 'BYTES', data });

test('an input name the model does not have is answered 400, naming it and the expected one', async () => {
  const meta = await json(await app.request('/v2/models/hs'));
  assert.deepEqual(meta['inputs'].map((i: { name: string }) => i.name), ['text']);
  for (const name of ['input0', 'TEXT', 'texts']) {
    const r = await infer({ inputs: [tensor(name, ['PLASTIC CUPS'])] });
    assert.equal(r.status, 400, name);
    const b = await json(r);
    assert.match(b['error'], new RegExp(`model "hs" has no input named "${name}"; its one input is "text"`));
    assert.equal(b['field'], 'inputs[0].name');
  }
  assert.equal((await infer({ inputs: [tensor('text', ['PLASTIC CUPS'])] })).status, 200);
  assert.equal((await app.request('/v2/models/hs/versions/nope/infer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [tensor('text', ['a'])] }) })).status, 404);
});

test('an empty or whitespace-only text is refused as inputs[0].data[i]', async () => {
  const r = await infer({ inputs: [tensor('text', ['PLASTIC CUPS', 'LED TV', '  '])] });
  assert.equal(r.status, 400);
  const b = await json(r);
  assert.match(b['error'], /inputs\[0\]\.data\[2\] is empty or only whitespace/);
  assert.equal(b['field'], 'inputs[0].data[2]');
  const nested = await infer({ inputs: [{ name: 'text', shape: [2, 1], datatype: 'BYTES', data: [[''], ['LED TV']] }] });
  assert.equal((await json(nested))['field'], 'inputs[0].data[0]');
});

test('the request id: the body id when sent, else X-Request-Id, else a new one; always in X-Request-Id', async () => {
  const withId = await infer({ id: '42', inputs: [tensor('text', ['PLASTIC CUPS'])] }, { 'x-request-id': 'other' });
  assert.equal((await json(withId))['id'], '42');
  assert.equal(withId.headers.get('x-request-id'), '42');
  const headerOnly = await infer({ inputs: [tensor('text', ['PLASTIC CUPS'])] }, { 'x-request-id': 'trace-1' });
  assert.equal(headerOnly.headers.get('x-request-id'), 'trace-1');
  assert.equal((await json(headerOnly))['id'], undefined, 'no id in the body unless the request had one');
  const odd = await infer({ id: 'zé\n1', inputs: [tensor('text', ['PLASTIC CUPS'])] }, { 'x-request-id': 'trace-2' });
  assert.equal(odd.status, 200, 'an id no header can carry is still echoed in the body');
  assert.equal((await json(odd))['id'], 'zé\n1');
  assert.equal(odd.headers.get('x-request-id'), 'trace-2');
  const oddMissing = await app.request('/v2/models/nothing/infer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'a\nb', inputs: [tensor('text', ['x'])] }) });
  assert.equal(oddMissing.status, 404);
  assert.ok(oddMissing.headers.get('x-request-id'));
  const neither = await infer({ inputs: [tensor('text', ['PLASTIC CUPS'])] });
  assert.match(neither.headers.get('x-request-id') ?? '', /^\S+-[0-9a-z]+$/);
});
