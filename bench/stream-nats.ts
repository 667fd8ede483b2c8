/**
 * What bench:stream does on the NATS server: a fresh input stream per run filled with offers, the
 * consumer's progress polled (lag over time), the result stream read back with each result's
 * stored time, and the raw ceiling of the worker's design with no classification.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { headers, nanos } from '@nats-io/transport-node';
import { ackSubjectInfo, pullBatch } from '../src/bus/jetstream/pull-batch.js';

export interface Nats { nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager }

export async function openNats(url: string): Promise<Nats> {
  const nc = await connect({ servers: url.split(','), name: 'lading-bench-stream' });
  return { nc, js: jetstream(nc), jsm: await jetstreamManager(nc) };
}

/** A run's own streams: inputs on `<tag>.in`, results on `<tag>.out` (with `<tag>.out.dead`). */
export interface RunStreams { input: string; inSubject: string; output: string; outSubject: string }

export async function makeRunStreams(n: Nats, tag: string, withOutput: boolean): Promise<RunStreams> {
  const s = { input: `BENCH_IN_${tag}`, inSubject: `${tag}.in`, output: `BENCH_OUT_${tag}`, outSubject: `${tag}.out` };
  await n.jsm.streams.add({ name: s.input, subjects: [s.inSubject], storage: StorageType.File, retention: RetentionPolicy.Limits });
  // The workers' own results stream when they make it: file storage, a 10-minute duplicate window.
  if (withOutput) {
    await n.jsm.streams.add({ name: s.output, subjects: [s.outSubject, `${s.outSubject}.dead`, `${s.outSubject}.fence`], storage: StorageType.File, retention: RetentionPolicy.Limits, duplicate_window: nanos(600_000) });
  }
  return s;
}

export async function deleteRunStreams(n: Nats, tag: string): Promise<void> {
  for (const name of await n.jsm.streams.names().next()) if (name.includes(tag)) await n.jsm.streams.delete(name).catch(() => undefined);
}

/** Publishes the bodies (core NATS, flushed every 5,000) and waits until the stream holds them all. */
export async function fill(n: Nats, s: RunStreams, bodies: readonly string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i++) {
    n.nc.publish(s.inSubject, bodies[i]!);
    if (i % 5000 === 4999) await n.nc.flush();
  }
  await n.nc.flush();
  for (;;) {
    if ((await n.jsm.streams.info(s.input)).state.messages >= bodies.length) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Progress {
  /** ms from the first poll that saw an acked input to the one that saw none left. */
  busyMs: number;
  /** [ms since start, inputs not yet acked]. */
  lag: Array<[number, number]>;
}

/** Polls the consumer every `everyMs` until every input is acked. */
export async function followConsumer(n: Nats, stream: string, consumer: string, total: number, everyMs = 100, timeoutMs = 600_000): Promise<Progress> {
  const t0 = performance.now();
  let firstAck: number | undefined;
  const lag: Array<[number, number]> = [];
  for (;;) {
    const c = await n.jsm.consumers.info(stream, consumer).catch(() => undefined);
    const now = performance.now();
    if (c !== undefined) {
      const left = c.num_pending + c.num_ack_pending;
      lag.push([Math.round(now - t0), left]);
      if (firstAck === undefined && c.ack_floor.stream_seq > 0) firstAck = now;
      if (left === 0 && c.ack_floor.stream_seq >= total) return { busyMs: now - (firstAck ?? t0), lag };
    }
    if (now - t0 > timeoutMs) throw new Error(`consumer ${consumer} still has inputs after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Each result's id and stored time (ms), read with an ordered consumer. */
export async function readResults(n: Nats, s: RunStreams): Promise<Array<{ id: string; storedMs: number; variant: string }>> {
  const last = (await n.jsm.streams.info(s.output)).state.last_seq;
  if (last === 0) return [];
  const consumer = await n.js.consumers.get(s.output);
  const it = await consumer.consume();
  const out: Array<{ id: string; storedMs: number; variant: string }> = [];
  const decoder = new TextDecoder();
  for await (const m of it) {
    if (m.subject === s.outSubject) {
      const doc = JSON.parse(decoder.decode(m.data)) as { id?: string; variant?: string; results?: Array<{ id: string; variant: string }> };
      const storedMs = m.info.timestampNanos / 1e6;
      if (doc.results) for (const r of doc.results) out.push({ id: r.id, storedMs, variant: r.variant });
      else out.push({ id: doc.id!, storedMs, variant: doc.variant! });
    }
    if (m.seq >= last) break;
  }
  await it.close();
  return out;
}

/**
 * The worker's design with no classification (the "raw ceiling"): pull micro-batches of
 * `batch` with `concurrency` in flight, publish a fixed offer-sized result per input with its id as
 * Nats-Msg-Id and await every acknowledgement ('each'), or publish them plainly and await one fence
 * ('fence'), or one acknowledged message per batch ('batch'), then ack the inputs.
 */
export async function ceiling(n: Nats, s: RunStreams, consumer: string, proof: 'each' | 'fence' | 'batch', total: number, batch = 256, concurrency = 2): Promise<void> {
  await n.jsm.consumers.add(s.input, { durable_name: consumer, ack_policy: 'explicit' as never, ack_wait: nanos(30_000), max_ack_pending: 1000 });
  const stop = new AbortController();
  let done = 0;
  const result = (id: string) => `{"id":${JSON.stringify(id)},"label":"8471","score":0.93,"top":[{"label":"8471","score":0.93}],"endpoint":"hs","model":"hs","version":"1","variant":"main"}`;
  const loop = async () => {
    while (done < total) {
      const msgs = await pullBatch(n.nc, s.input, consumer, batch, 500, stop.signal);
      if (msgs.length === 0) continue;
      const ids = msgs.map((m) => (JSON.parse(new TextDecoder().decode(m.data)) as { id: string }).id);
      if (proof === 'batch') await n.js.publish(s.outSubject, `{"results":[${ids.map(result).join(',')}]}`, { msgID: `batch:${ids[0]}:${ids.length}` });
      else if (proof === 'each') await Promise.all(ids.map((id) => n.js.publish(s.outSubject, result(id), { msgID: id })));
      else {
        for (const id of ids) { const h = headers(); h.set('Nats-Msg-Id', id); n.nc.publish(s.outSubject, result(id), { headers: h }); }
        await n.js.publish(`${s.outSubject}.fence`, '');
      }
      for (const m of msgs) { ackSubjectInfo(m.reply!); m.respond('+ACK'); }
      done += msgs.length;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  stop.abort();
  await n.nc.flush();
}
