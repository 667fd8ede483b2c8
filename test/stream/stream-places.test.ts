import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { fenceSubject, prepareStreams } from '../../src/stream/stream-places.js';
import { testStreams } from './nats-streams.js';

// Only test files read the environment. Locally: LADING_TEST_NATS_URL=nats://127.0.0.1:4222
const url = process.env['LADING_TEST_NATS_URL'];

if (url === undefined || url === '') {
  test('stream places', { skip: 'LADING_TEST_NATS_URL is not set (e.g. nats://127.0.0.1:4222)' }, () => undefined);
} else {
  test('workers of one job started together all find or make the one result stream: none fails because another made it first', async () => {
    const t = await testStreams(url);
    const workers = await Promise.all(Array.from({ length: 6 }, async () => {
      const nc = await connect({ servers: url });
      return { nc, jsm: await jetstreamManager(nc) };
    }));
    try {
      for (let round = 0; round < 8; round++) {
        const to = `${t.tag}.r${round}.out`;
        const places = { stream: t.input, subject: undefined, consumer: `c${round}`, to, deadLetter: `${to}.dead` };
        // Each worker as it starts: its own connection, all at once (the kill test restarts them this way).
        const prepared = await Promise.all(workers.map((w) => prepareStreams(w.nc, w.jsm, places, { ackWaitMs: 30_000, maxAckPending: 4096 })));
        const names = new Set(prepared.map((p) => p.resultStream));
        assert.equal(names.size, 1, `round ${round}: one result stream (${[...names].join(', ')})`);
        const [name] = names;
        assert.ok(prepared.every((p) => p.deadLetterStream === name && p.fenceable), `round ${round}: it stores the dead letters and the fence too`);
        // An add identical to the one that won succeeds too, so more than one may say it made the stream.
        assert.ok(prepared.some((p) => p.created.includes(name!)), `round ${round}: a worker made it`);
        const subjects = (await t.jsm.streams.info(name!)).config.subjects;
        assert.deepEqual([...subjects].sort(), [to, `${to}.dead`, fenceSubject(to)].sort());
      }
    } finally {
      for (const w of workers) await w.nc.close();
      await t.cleanup();
    }
  });
}
