import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/core/errors.js';
import { makeEvent, type LifecycleEvent } from '../../src/core/lifecycle-events.js';
import type { Bus, Delivery, PublishResult } from '../../src/bus/bus.js';

/** One bus to test: `open` gives a new connection to the same bus (the same file, the same stream). */
export interface BusBackend {
  open(): Promise<Bus>;
  cleanup(): Promise<void>;
}

const ACK_WAIT = 400;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Distinct events of a few types, so subject filters have something to tell apart. */
export function registered(i: number): LifecycleEvent {
  return makeEvent('model.registered', { model: 'hs4', version: i, sha256: 'a'.repeat(64), actor: 'test' }, { id: `reg-${i}`, time: 1_700_000_000_000 + i });
}
const fired = (rule: string) => makeEvent('alert.fired', { rule, endpoint: 'hs4', severity: 'warning', message: `${rule} is high` });
const resolved = (rule: string) => makeEvent('alert.resolved', { rule, endpoint: 'hs4' });
const runStarted = (runId: string) => makeEvent('pipeline.run.started', { pipeline: 'hs4', runId });

const seqs = (ds: readonly Delivery[]) => ds.map((d) => d.seq);
const ids = (ds: readonly Delivery[]) => ds.map((d) => d.event.id);

/** Pulls until `count` deliveries came or `timeoutMs` passed. */
export async function take(sub: { next(b: number, t: number): Promise<Delivery[]> }, count: number, timeoutMs = 3000): Promise<Delivery[]> {
  const out: Delivery[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) out.push(...await sub.next(count - out.length, Math.max(1, deadline - Date.now())));
  return out;
}

async function ackAll(ds: readonly Delivery[]): Promise<void> {
  for (const d of ds) await d.ack();
}

/** The bus contract, run against every adapter with its real back-end. */
export function busContract(name: string, makeBackend: () => Promise<BusBackend>): void {
  const withBus = async (fn: (bus: Bus, backend: BusBackend) => Promise<void>): Promise<void> => {
    const backend = await makeBackend();
    const bus = await backend.open();
    try {
      await fn(bus, backend);
    } finally {
      await bus.close();
      await backend.cleanup();
    }
  };

  // Each test has a bus of its own and mostly waits on ackWait timers: run them side by side.
  describe(`bus contract: ${name}`, { concurrency: true }, () => {
    it('delivers published events in publish order, with their positions and contents', () => withBus(async (bus) => {
      const events = [1, 2, 3, 4, 5].map(registered);
      const published: PublishResult[] = [];
      for (const e of events) published.push(await bus.publish(e));
      assert.ok(published.every((p, i) => !p.duplicate && (i === 0 || p.seq > published[i - 1]!.seq)), 'positions increase');
      const sub = await bus.subscribe('reader', { ackWaitMs: 5000 });
      const got = await take(sub, 5);
      assert.deepEqual(seqs(got), published.map((p) => p.seq));
      assert.deepEqual(got.map((d) => d.event), events);
      assert.ok(got.every((d) => d.deliveryCount === 1));
      await ackAll(got);
    }));

    it('drops a second publish of the same event id', () => withBus(async (bus) => {
      const first = await bus.publish(registered(1));
      const again = await bus.publish(registered(1));
      await bus.publish(registered(2));
      assert.deepEqual(again, { seq: first.seq, duplicate: true });
      const sub = await bus.subscribe('reader');
      const got = await take(sub, 3, 800);
      assert.deepEqual(ids(got), ['reg-1', 'reg-2']);
    }));

    it('an acked event is not delivered again; an unacked one is, after ackWait, with deliveryCount 2', () => withBus(async (bus) => {
      await bus.publish(registered(1));
      await bus.publish(registered(2));
      const sub = await bus.subscribe('reader', { ackWaitMs: ACK_WAIT });
      // Timed from before the delivery, so a slow test machine cannot make the bus look early.
      const started = Date.now();
      const [one, two] = await take(sub, 2);
      await one!.ack();
      assert.deepEqual(await sub.next(5, ACK_WAIT / 4), [], 'nothing before ackWait ends');
      const again = await take(sub, 1, ACK_WAIT * 5);
      assert.deepEqual(again.map((d) => [d.seq, d.deliveryCount]), [[two!.seq, 2]]);
      assert.ok(Date.now() - started >= ACK_WAIT * 0.9, `redelivered after ${Date.now() - started} ms, ackWait ${ACK_WAIT}`);
      await again[0]!.ack();
      assert.deepEqual(await sub.next(5, ACK_WAIT * 2), [], 'both acked: nothing more');
    }));

    it('stops delivering after maxDeliver deliveries and lists the event as dead', () => withBus(async (bus) => {
      const { seq } = await bus.publish(registered(1));
      await bus.publish(registered(2));
      const sub = await bus.subscribe('reader', { ackWaitMs: ACK_WAIT, maxDeliver: 2 });
      const first = await take(sub, 2);
      await first.find((d) => d.seq !== seq)!.ack();
      const second = await take(sub, 1, ACK_WAIT * 5);
      assert.deepEqual(second.map((d) => [d.seq, d.deliveryCount]), [[seq, 2]]);
      assert.deepEqual(await sub.next(5, ACK_WAIT * 3), [], 'no third delivery');
      let dead = await sub.deadLetters();
      for (let i = 0; i < 20 && dead.length === 0; i++) { await sleep(100); dead = await sub.deadLetters(); }
      assert.deepEqual(dead.map((d) => d.seq), [seq]);
    }));

    it('a nak redelivers at once, or after its delay', () => withBus(async (bus) => {
      await bus.publish(registered(1));
      const sub = await bus.subscribe('reader', { ackWaitMs: 5000 });
      const [d1] = await take(sub, 1);
      await d1!.nak();
      const [d2] = await take(sub, 1, 1000);
      assert.deepEqual([d2!.seq, d2!.deliveryCount], [d1!.seq, 2], 'redelivered well before ackWait');
      const started = Date.now();
      await d2!.nak(600);
      assert.deepEqual(await sub.next(1, 200), [], 'not during the delay');
      const [d3] = await take(sub, 1, 3000);
      assert.equal(d3?.deliveryCount, 3);
      assert.ok(Date.now() - started >= 540, `after ${Date.now() - started} ms of a 600 ms delay`);
      await d3!.ack();
    }));

    it('a durable reopened from a new connection resumes after its last ack and redelivers the unacked', () => withBus(async (bus, backend) => {
      for (const i of [1, 2, 3, 4]) await bus.publish(registered(i));
      const sub = await bus.subscribe('worker', { ackWaitMs: ACK_WAIT });
      const got = await take(sub, 3);
      await got[0]!.ack();
      await got[1]!.ack();
      await sub.close();
      await bus.close();
      const bus2 = await backend.open();
      try {
        const again = await bus2.subscribe('worker', { ackWaitMs: ACK_WAIT });
        const rest = await take(again, 2, ACK_WAIT * 5);
        assert.deepEqual(rest.map((d) => [d.event.id, d.deliveryCount]).sort(), [['reg-3', 2], ['reg-4', 1]]);
        await ackAll(rest);
        assert.deepEqual(await again.next(5, ACK_WAIT * 2), []);
      } finally {
        await bus2.close();
      }
    }));

    it('replays from a position: a new durable starting there, an existing one reset to it, or only new events', () => withBus(async (bus) => {
      const pubs: PublishResult[] = [];
      for (const i of [1, 2, 3, 4, 5]) pubs.push(await bus.publish(registered(i)));
      const late = await bus.subscribe('late', { deliverFrom: pubs[2]!.seq });
      assert.deepEqual(ids(await take(late, 3)), ['reg-3', 'reg-4', 'reg-5']);
      assert.deepEqual(await late.next(5, 200), []);

      const reader = await bus.subscribe('reader');
      await ackAll(await take(reader, 5));
      await reader.close();
      const reset = await bus.subscribe('reader', { deliverFrom: pubs[1]!.seq });
      const replayed = await take(reset, 4);
      assert.deepEqual(ids(replayed), ['reg-2', 'reg-3', 'reg-4', 'reg-5']);
      assert.ok(replayed.every((d) => d.deliveryCount === 1));

      const fresh = await bus.subscribe('fresh', { deliverFrom: 'new' });
      await bus.publish(registered(6));
      assert.deepEqual(ids(await take(fresh, 2, 800)), ['reg-6']);
    }));

    it('filters by subject with NATS-style wildcards', () => withBus(async (bus) => {
      await bus.publish(fired('error-rate'));
      await bus.publish(registered(1));
      await bus.publish(resolved('error-rate'));
      await bus.publish(runStarted('run-1'));
      const alerts = await bus.subscribe('alerts', { subjects: ['lading.alert.>'] });
      assert.deepEqual((await take(alerts, 3, 800)).map((d) => d.event.subject), ['lading.alert.fired', 'lading.alert.resolved']);
      const mixed = await bus.subscribe('mixed', { subjects: ['lading.*.registered', 'lading.pipeline.>'] });
      assert.deepEqual((await take(mixed, 3, 800)).map((d) => d.event.type), ['model.registered', 'pipeline.run.started']);
      const exact = await bus.subscribe('exact', { subjects: ['lading.alert.resolved'] });
      assert.deepEqual((await take(exact, 2, 800)).map((d) => d.event.type), ['alert.resolved']);
    }));

    it('a durable reopened with other subjects keeps its acks and filters what comes next by the new ones', () => withBus(async (bus) => {
      await bus.publish(fired('error-rate'));
      await bus.publish(registered(1));
      const first = await bus.subscribe('r', { subjects: ['lading.alert.>'] });
      await ackAll(await take(first, 1));
      await first.close();
      await bus.publish(registered(2));
      await bus.publish(resolved('error-rate'));
      const widened = await bus.subscribe('r', { subjects: ['lading.model.>', 'lading.alert.>'] });
      const next = await take(widened, 4, 800);
      assert.deepEqual(next.map((d) => d.event.type), ['model.registered', 'model.registered', 'alert.resolved'], 'the acked alert not again; the rest in order');
      assert.deepEqual(next.slice(0, 2).map((d) => d.event.id), ['reg-1', 'reg-2']);
    }));

    it('two durables each get every event', () => withBus(async (bus) => {
      const a = await bus.subscribe('a');
      const b = await bus.subscribe('b');
      for (const i of [1, 2, 3]) await bus.publish(registered(i));
      const fromA = await take(a, 3);
      await ackAll(fromA);
      assert.deepEqual(ids(fromA), ['reg-1', 'reg-2', 'reg-3']);
      assert.deepEqual(ids(await take(b, 3)), ['reg-1', 'reg-2', 'reg-3']);
    }));

    it('async iteration hands out deliveries one by one until closed', () => withBus(async (bus) => {
      for (const i of [1, 2, 3]) await bus.publish(registered(i));
      const sub = await bus.subscribe('iter');
      const seen: string[] = [];
      for await (const d of sub) {
        seen.push(d.event.id);
        await d.ack();
        if (seen.length === 3) break;
      }
      assert.deepEqual(seen, ['reg-1', 'reg-2', 'reg-3']);
    }));

    it('refuses a bad event naming the field, and publishes nothing', () => withBus(async (bus) => {
      const sub = await bus.subscribe('reader');
      const bad = { ...registered(1), version: 'two' } as unknown as LifecycleEvent;
      await assert.rejects(bus.publish(bad), (e: unknown) => e instanceof InputError && e.facts['field'] === 'version' && /field version/.test(e.message));
      const wrongSubject = { ...registered(1), subject: 'lading.alert.fired' } as unknown as LifecycleEvent;
      await assert.rejects(bus.publish(wrongSubject), (e: unknown) => e instanceof InputError && e.facts['field'] === 'subject');
      const extra = { ...registered(1), colour: 'red' } as unknown as LifecycleEvent;
      await assert.rejects(bus.publish(extra), (e: unknown) => e instanceof InputError && e.facts['field'] === 'colour');
      assert.deepEqual(await sub.next(5, 300), []);
      await assert.rejects(bus.subscribe('bad', { subjects: ['model.>'] }), (e: unknown) => e instanceof InputError && e.facts['field'] === 'subjects');
      await assert.rejects(bus.subscribe('bad name'), (e: unknown) => e instanceof InputError && e.facts['field'] === 'durableName');
      await assert.rejects(bus.subscribe('ok', { maxDeliver: 0 }), (e: unknown) => e instanceof InputError && e.facts['field'] === 'maxDeliver');
    }));
  });
}
