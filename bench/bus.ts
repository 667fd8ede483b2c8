/**
 * Event bus benchmark, both adapters in one run (`node dist/bench/bus.js`; part of bench:lifecycle):
 * - publish throughput, events/s: each publish awaited before the next (what a controller does),
 *   and 64 in flight (what a burst of feedback events can do);
 * - publish-to-deliver latency, p50 and p99 ms: events published at a steady ~1,000/s while a
 *   durable subscription pulls (next(64, ...)) and acks each; the clock starts before publish()
 *   and stops when the delivery is in the subscriber's hands, both in this process.
 * The embedded publisher and subscriber are two connections to one file in one process, so a
 * publish wakes the subscriber at once; another process finds it at its next poll (pollMs, 50 ms).
 * JetStream runs when LADING_BENCH_NATS_URL or LADING_TEST_NATS_URL is set (on a stream of its own,
 * deleted after). LADING_BENCH_ROUNDS (default 3), LADING_BENCH_BUS_EVENTS (default 5000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Bus } from '../src/bus/bus.js';
import { SqliteBus } from '../src/bus/embedded/sqlite-bus.js';
import { JetStreamBus } from '../src/bus/jetstream/jetstream-bus.js';
import { table } from '../src/cli/output.js';
import { makeEvent, type LifecycleEvent } from '../src/core/lifecycle-events.js';
import { machine, writeResult } from './machine.js';

export interface BusBenchOptions {
  readonly rounds?: number;
  /** Events per throughput figure; the latency run sends 40% of them. */
  readonly events?: number;
  /** NATS to measure JetStream on; absent: embedded only. */
  readonly natsUrl?: string | undefined;
  readonly log?: (line: string) => void;
}

/** One adapter's figures, one entry per round. */
export interface BusBenchResult {
  readonly adapter: string;
  readonly events: number;
  readonly publishPerSecond: number[];
  readonly pipelinedPerSecond: number[];
  readonly p50Ms: number[];
  readonly p99Ms: number[];
}

/** A bus of one adapter, fresh for one round: `open` connects to it again, `dispose` removes it. */
interface BenchBus { open(): Promise<Bus>; dispose(): Promise<void> }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: readonly number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
const spread = (xs: readonly number[], d = 0) => `${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)}`;
const quantile = (xs: readonly number[], q: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * q))] ?? NaN; };

let counter = 0;
function feedbackEvent(): LifecycleEvent {
  return makeEvent('feedback.received', { endpoint: 'hs4', count: 32 }, { id: `bench-${process.pid}-${counter++}` });
}

async function publishRate(bus: Bus, events: number, inFlight: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < events; i += inFlight) {
    await Promise.all(Array.from({ length: Math.min(inFlight, events - i) }, () => bus.publish(feedbackEvent())));
  }
  return events / ((performance.now() - started) / 1000);
}

/** Latencies (ms) of `events` published at ~1,000/s through `publisher`, received through a durable on `subscriber`. */
async function deliverLatencies(publisher: Bus, subscriber: Bus, events: number): Promise<number[]> {
  const sub = await subscriber.subscribe('bench-latency', { deliverFrom: 'new', ackWaitMs: 30_000 });
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let publishing = true;
  const consumer = (async () => {
    while (latencies.length < events && (publishing || latencies.length < sentAt.size)) {
      const batch = await sub.next(64, 1000);
      const now = performance.now();
      for (const d of batch) {
        const t = sentAt.get(d.event.id);
        if (t !== undefined && d.deliveryCount === 1) latencies.push(now - t);
      }
      for (const d of batch) await d.ack();
      if (batch.length === 0 && !publishing) break;
    }
  })();
  for (let i = 0; i < events; i++) {
    const e = feedbackEvent();
    sentAt.set(e.id, performance.now());
    await publisher.publish(e);
    if (i % 10 === 9) await sleep(10);
  }
  publishing = false;
  await consumer;
  await sub.close();
  return latencies;
}

async function measureAdapter(name: string, makeBus: (round: number) => BenchBus, o: Required<Omit<BusBenchOptions, 'natsUrl'>>): Promise<BusBenchResult> {
  const result: BusBenchResult = { adapter: name, events: o.events, publishPerSecond: [], pipelinedPerSecond: [], p50Ms: [], p99Ms: [] };
  for (let r = 0; r < o.rounds; r++) {
    const place = makeBus(r);
    const publisher = await place.open();
    const subscriber = await place.open();
    try {
      await publishRate(publisher, 200, 1); // warm-up: connections, statements, stream files
      result.publishPerSecond.push(await publishRate(publisher, o.events, 1));
      result.pipelinedPerSecond.push(await publishRate(publisher, o.events, 64));
      const lat = await deliverLatencies(publisher, subscriber, Math.round(o.events * 0.4));
      result.p50Ms.push(quantile(lat, 0.5));
      result.p99Ms.push(quantile(lat, 0.99));
      o.log(`bus ${name} round ${r + 1}: ${Math.round(result.publishPerSecond.at(-1)!)} events/s awaited, ${Math.round(result.pipelinedPerSecond.at(-1)!)} with 64 in flight; `
        + `publish-to-deliver p50 ${result.p50Ms.at(-1)!.toFixed(2)} ms, p99 ${result.p99Ms.at(-1)!.toFixed(2)} ms over ${lat.length} events`);
    } finally {
      await publisher.close();
      await subscriber.close();
      await place.dispose();
    }
  }
  return result;
}

function embeddedBus(): BenchBus {
  const dir = mkdtempSync(join(tmpdir(), 'lading-bench-bus-'));
  const file = join(dir, 'bus.sqlite');
  return { open: async () => new SqliteBus(file), dispose: async () => rmSync(dir, { recursive: true, force: true }) };
}

function jetStreamBus(url: string, round: number): BenchBus {
  const tag = `bench${process.pid}_${round}_${Date.now().toString(36)}`;
  const place = { url, stream: `LADING_BENCH_${tag}`, subjectPrefix: `${tag}.` };
  return { open: () => JetStreamBus.open(place), dispose: () => JetStreamBus.deleteStream(place) };
}

/** Measures both adapters (JetStream only with a NATS URL), `rounds` times each. */
export async function measureBusBench(options: BusBenchOptions = {}): Promise<BusBenchResult[]> {
  const o = { rounds: options.rounds ?? 3, events: options.events ?? 5000, log: options.log ?? ((s: string) => process.stderr.write(`${s}\n`)) };
  const results = [await measureAdapter('embedded', embeddedBus, o)];
  if (options.natsUrl !== undefined && options.natsUrl !== '') {
    const url = options.natsUrl;
    results.push(await measureAdapter('jetstream', (r) => jetStreamBus(url, r), o));
  } else {
    o.log('bus jetstream not measured: no NATS URL (LADING_BENCH_NATS_URL or LADING_TEST_NATS_URL)');
  }
  return results;
}

/** The figures as a table: median of the rounds and their spread. */
export function renderBusBench(results: readonly BusBenchResult[]): string {
  const rows: Array<Array<string | number>> = results.flatMap((r) => [
    [`${r.adapter}: publish, awaited (events/s)`, Math.round(median(r.publishPerSecond)), spread(r.publishPerSecond)],
    [`${r.adapter}: publish, 64 in flight (events/s)`, Math.round(median(r.pipelinedPerSecond)), spread(r.pipelinedPerSecond)],
    [`${r.adapter}: publish-to-deliver p50 (ms)`, median(r.p50Ms).toFixed(2), spread(r.p50Ms, 2)],
    [`${r.adapter}: publish-to-deliver p99 (ms)`, median(r.p99Ms).toFixed(2), spread(r.p99Ms, 2)],
  ]);
  return table(['figure', 'median', 'spread'], rows);
}

async function main(): Promise<void> {
  const rounds = Math.max(1, Number(process.env['LADING_BENCH_ROUNDS'] ?? '3'));
  const events = Math.max(100, Number(process.env['LADING_BENCH_BUS_EVENTS'] ?? '5000'));
  const natsUrl = process.env['LADING_BENCH_NATS_URL'] ?? process.env['LADING_TEST_NATS_URL'];
  const results = await measureBusBench({ rounds, events, natsUrl });
  const m = machine();
  process.stdout.write(`bench bus on ${m.cpu}, ${m.cores} cores, Node ${m.node}, load ${m.loadAverage1m}; ${rounds} rounds, ${events} events per throughput figure\n`);
  process.stdout.write(`command: node dist/bench/bus.js\n${renderBusBench(results)}\n`);
  process.stdout.write(`wrote ${writeResult('bus', { machine: m, rounds, events, results })}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
}
