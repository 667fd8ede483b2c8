import { test } from 'node:test';
import { JetStreamBus } from '../../src/bus/jetstream/jetstream-bus.js';
import { busContract } from './bus-contract.js';

// Only test files read the environment. Locally: LADING_TEST_NATS_URL=nats://127.0.0.1:4222
const url = process.env['LADING_TEST_NATS_URL'];
if (url === undefined || url === '') {
  test('bus contract: JetStream', { skip: 'LADING_TEST_NATS_URL is not set (e.g. nats://127.0.0.1:4222)' }, () => undefined);
  process.stdout.write('# skipped JetStream bus contract: LADING_TEST_NATS_URL is not set\n');
} else {
  let n = 0;
  busContract('NATS JetStream (a fresh stream per test)', async () => {
    // A stream and a subject prefix of its own, so parallel runs and other streams on the server never collide.
    const tag = `t${process.pid}_${Date.now().toString(36)}_${n++}_${Math.random().toString(36).slice(2, 8)}`;
    const place = { url, stream: `LADING_TEST_${tag}`, subjectPrefix: `${tag}.` };
    return { open: () => JetStreamBus.open(place), cleanup: () => JetStreamBus.deleteStream(place) };
  });
}
