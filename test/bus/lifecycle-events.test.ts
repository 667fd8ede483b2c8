import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../src/core/errors.js';
import { LIFECYCLE_EVENT_TYPES, decodeEvent, encodeEvent, makeEvent, subjectOf, type LifecycleEvent } from '../../src/core/lifecycle-events.js';

const isBadField = (field: string, message: RegExp) => (e: unknown) => e instanceof InputError && e.code === 'bad-event' && e.facts['field'] === field && message.test(e.message);

test('every event type travels on lading.<type>, and makeEvent fills id, time and subject', () => {
  assert.ok(LIFECYCLE_EVENT_TYPES.length >= 16);
  for (const t of LIFECYCLE_EVENT_TYPES) assert.match(subjectOf(t), /^lading\.[a-z]+(\.[a-z]+)+$/);
  const before = Date.now();
  const e = makeEvent('gate.failed', { pipeline: 'hs4', model: 'hs4', version: 7, reasons: ['macro-F1 worse by 0.03', 'recall of 8471 fell by 0.12'] });
  assert.equal(e.subject, 'lading.gate.failed');
  assert.match(e.id, /^[0-9a-f-]{36}$/);
  assert.ok(e.time >= before && e.time <= Date.now());
  assert.notEqual(makeEvent('pipeline.run.started', { pipeline: 'p', runId: 'r' }).id, makeEvent('pipeline.run.started', { pipeline: 'p', runId: 'r' }).id);
});

test('encodeEvent / decodeEvent round-trip every shape', () => {
  const events: LifecycleEvent[] = [
    makeEvent('dataset.created', { dataset: 'hs', version: 3, rows: 1200 }),
    makeEvent('alert.fired', { rule: 'drift', endpoint: 'hs4', severity: 'critical', message: 'PSI 0.4', value: 0.4 }),
    makeEvent('experiment.decided', { endpoint: 'hs4', experiment: 'exp-1', decision: 'promote', reason: 'better by 2.1 points, 95% sequence above 0' }),
    makeEvent('rollback.done', { endpoint: 'hs4', revision: 5, toRevision: 3, actor: 'controller', reason: 'p99 latency 812 ms > 50 ms' }),
    makeEvent('pipeline.run.requested', { pipeline: 'hs4', runId: 'r1', trigger: 'labels', reason: '500 new labels' }, { id: 'labels-hs4-500', time: 5 }),
  ];
  for (const e of events) assert.deepEqual(decodeEvent(encodeEvent(e)), e);
});

test('a bad event is refused with the field named', () => {
  const ok = makeEvent('model.registered', { model: 'hs4', version: 2, sha256: 'b'.repeat(64), actor: 'ci' });
  const text = (patch: Record<string, unknown>) => JSON.stringify({ ...ok, ...patch });
  assert.throws(() => decodeEvent(text({ version: 0 })), isBadField('version', /model\.registered event field version/));
  assert.throws(() => decodeEvent(text({ sha256: 'xyz' })), isBadField('sha256', /sha256/));
  assert.throws(() => decodeEvent(text({ time: 'noon' })), isBadField('time', /time/));
  assert.throws(() => decodeEvent(text({ id: 'has space' })), isBadField('id', /id/));
  assert.throws(() => decodeEvent(text({ type: 'model.deleted' })), isBadField('type', /expected one of/));
  assert.throws(() => decodeEvent(text({ subject: 'lading.model.approved' })), isBadField('subject', /subject/));
  assert.throws(() => decodeEvent(text({ extra: 1 })), isBadField('extra', /unknown field/));
  assert.throws(() => decodeEvent(text({ actor: undefined })), isBadField('actor', /actor/));
  assert.throws(() => decodeEvent('{"type":'), isBadField('', /not JSON/));
  assert.throws(() => decodeEvent('[1]'), isBadField('', /JSON object/));
  assert.throws(() => makeEvent('gate.failed', { pipeline: 'p', model: 'm', version: 1, reasons: [] }), isBadField('reasons', /reasons/));
});
