import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';

/** A test's own input stream on the real NATS server, and what it reads back. */
export interface TestStreams {
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  readonly tag: string;
  /** The input stream's name and its one subject. */
  readonly input: string;
  readonly inSubject: string;
  readonly outSubject: string;
  /** Publishes bodies (strings or bytes) to the input subject, each stored before the next is sent; `msgIds` sets Nats-Msg-Id. */
  publish(bodies: ReadonlyArray<string | Uint8Array>, msgIds?: ReadonlyArray<string | undefined>): Promise<void>;
  /** Every message stored under `subject` (parsed JSON), in order. */
  read(subject: string): Promise<unknown[]>;
  /** Publishes many bodies without waiting for each acknowledgement (core NATS on the stream's subject), then checks the stream holds them all. */
  publishFast(bodies: readonly string[]): Promise<void>;
  /** Every message stored under `subject`, read with an ordered consumer (fast for many). */
  readMany(subject: string): Promise<unknown[]>;
  /** Deletes every stream the test made (the input, and any holding its subjects). */
  cleanup(): Promise<void>;
}

export async function testStreams(url: string): Promise<TestStreams> {
  const tag = `t${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const input = `LADING_TEST_IN_${tag}`;
  const inSubject = `${tag}.in`;
  await jsm.streams.add({ name: input, subjects: [inSubject] });
  return {
    nc, jsm, tag, input, inSubject, outSubject: `${tag}.out`,
    async publish(bodies, msgIds) {
      // Up to 256 in flight: fast, and every publish is acknowledged.
      for (let i = 0; i < bodies.length; i += 256) {
        await Promise.all(bodies.slice(i, i + 256).map((b, j) => {
          const id = msgIds?.[i + j];
          const h = id === undefined ? undefined : headers();
          if (h && id !== undefined) h.set('Nats-Msg-Id', id);
          return js.publish(inSubject, b, h ? { headers: h } : undefined);
        }));
      }
    },
    async read(subject) {
      const name = await jsm.streams.find(subject).catch(() => undefined);
      if (name === undefined) return []; // the worker has not made it yet
      const last = (await jsm.streams.info(name)).state.last_seq;
      const out: unknown[] = [];
      for (let seq = 1; seq <= last; seq++) {
        const m = await jsm.streams.getMessage(name, { seq }).catch(() => null);
        if (m !== null && m.subject === subject) out.push(JSON.parse(new TextDecoder().decode(m.data)));
      }
      return out;
    },
    async publishFast(bodies) {
      const before = (await jsm.streams.info(input)).state.messages;
      for (let i = 0; i < bodies.length; i++) {
        nc.publish(inSubject, bodies[i]!);
        if (i % 5000 === 4999) await nc.flush();
      }
      await nc.flush();
      const want = before + bodies.length;
      for (let t = 0; t < 100; t++) {
        if ((await jsm.streams.info(input)).state.messages >= want) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`the input stream holds ${(await jsm.streams.info(input)).state.messages} messages, not ${want}`);
    },
    async readMany(subject) {
      const name = await jsm.streams.find(subject).catch(() => undefined);
      if (name === undefined) return [];
      const last = (await jsm.streams.info(name)).state.last_seq;
      if (last === 0) return [];
      // The whole stream (servers before 2.10 take no filter list on an ordered consumer), kept to `subject` here.
      const consumer = await js.consumers.get(name);
      const out: unknown[] = [];
      const messages = await consumer.consume();
      const decoder = new TextDecoder();
      for await (const m of messages) {
        if (m.subject === subject) out.push(JSON.parse(decoder.decode(m.data)));
        if (m.seq >= last || m.info.pending === 0) break;
      }
      await messages.close();
      return out;
    },
    async cleanup() {
      for (const s of await jsm.streams.names().next()) {
        if (s.includes(tag)) await jsm.streams.delete(s).catch(() => undefined);
      }
      await nc.close();
    },
  };
}
