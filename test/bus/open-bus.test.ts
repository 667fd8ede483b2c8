import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { busSpec, withBus } from '../../src/platform/open-bus.js';
import { registered, take } from './bus-contract.js';

test('without a bus URL the embedded bus lives in <home>/bus.sqlite and keeps events across opens', async () => {
  const home = join(mkdtempSync(join(tmpdir(), 'lading-open-bus-')), 'ws');
  try {
    assert.deepEqual(busSpec({ home, busUrl: undefined }), { kind: 'embedded', path: join(home, 'bus.sqlite') });
    await withBus({ home, busUrl: undefined }, async (bus) => {
      assert.equal(bus.kind, 'embedded');
      await bus.publish(registered(1));
    });
    assert.ok(existsSync(join(home, 'bus.sqlite')));
    const ids = await withBus({ home, busUrl: undefined }, async (bus) => (await take(await bus.subscribe('reader'), 1)).map((d) => d.event.id));
    assert.deepEqual(ids, ['reg-1']);
  } finally {
    rmSync(join(home, '..'), { recursive: true, force: true });
  }
});

test('a nats:// bus URL picks JetStream', () => {
  assert.deepEqual(busSpec({ home: '/x', busUrl: 'nats://127.0.0.1:4222' }), { kind: 'jetstream', url: 'nats://127.0.0.1:4222' });
});
