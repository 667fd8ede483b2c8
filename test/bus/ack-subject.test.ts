import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ackSubjectInfo } from '../../src/bus/jetstream/pull-batch.js';

test('ackSubjectInfo reads delivery count, stream sequence and store time from both ack subject forms, as splitting would', () => {
  // $JS.ACK.stream.consumer.delivered.sseq.cseq.ts.pending
  assert.deepEqual(ackSubjectInfo('$JS.ACK.orders.work.3.120045.99001.1765000000123456789.17'), { deliveryCount: 3, seq: 120045, storedAtMs: 1765000000123 });
  // $JS.ACK.domain.account.stream.consumer.delivered.sseq.cseq.ts.pending.token
  assert.deepEqual(ackSubjectInfo('$JS.ACK.hub.ACCHASH.orders.work.1.7.7.1765000000999000000.0.tok9'), { deliveryCount: 1, seq: 7, storedAtMs: 1765000000999 });
  // A timestamp of 6 digits or fewer says nothing; a token that is not digits reads NaN, as Number() would.
  const short = ackSubjectInfo('$JS.ACK.s.c.2.5.5.123456.0');
  assert.equal(short.seq, 5);
  assert.ok(Number.isNaN(short.storedAtMs));
  assert.ok(Number.isNaN(ackSubjectInfo('$JS.ACK.s.c.x.5.5.1765000000123456789.0').deliveryCount));
  assert.ok(Number.isNaN(ackSubjectInfo('$JS.ACK.s.c').seq), 'too few tokens');
});
