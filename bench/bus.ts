/**
 * Event bus benchmark, both adapters in one run (`node dist/bench/bus.js`; part of bench:lifecycle):
 * - publish throughput, events/s: each publish awaited before the next (what a controller does),
 *   and 64 in flight (what a burst of feedback events can do);
 * - publish-to-deliver latency, p50 and p99 ms: events published at a steady ~1,000/s while a
 *   durable subscription pulls (next(64, ...)) and acks each; the clock starts before publish()
 *   and stops when the delivery is in the subscriber's hands, both in this process.
 * The embedded bus is measured twice: the subscriber on a second connection in this process (a
 * publish wakes it at once), and in a child process on the same file, which finds events at its
 * next poll (pollMs, 50 ms): the case of a controller fed by a serving or monitor process.
 * JetStream runs when LADING_BENCH_NATS_URL or LADING_TEST_NATS_URL is set (on a stream of its own,
 * deleted after). LADING_BENCH_ROUNDS (default 3), LADING_BENCH_BUS_EVENTS (default 5000).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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
  /** Embedded only: the receiver in another process, which finds events by polling the file. */
  readonly crossProcessP50Ms: number[];
  readonly crossProcessP99Ms: number[];
}

/** A bus of one adapter, fresh for one round: `open` connects to it again, `dispose` removes it. */
interface BenchBus { open(): Promise<Bus>; dispose(): Promise<void>; readonly file?: string }

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

/** Milliseconds on a clock two processes of this machine share (performance.now() is per process). */
const clock = () => performance.timeOrigin + performance.now();

/**
 * Subscribes (new events only), calls `ready`, then acks `events` deliveries and says when each
 * arrived; stops early after 3 s without any.
 */
async function receive(bus: Bus, events: number, ready: () => void): Promise<Map<string, number>> {
  const sub = await bus.subscribe('bench-latency', { deliverFrom: 'new', ackWaitMs: 30_000 });
  ready();
  const arrivals = new Map<string, number>();
  while (arrivals.size < events) {
    const batch = await sub.next(64, 3000);
    if (batch.length === 0) break;
    const now = clock();
    for (const d of batch) if (d.deliveryCount === 1) arrivals.set(d.event.id, now);
    for (const d of batch) await d.ack();
  }
  await sub.close();
  return arrivals;
}

/** Publishes `events` at ~1,000/s once the receiver is ready; the latency of each that arrived (ms). */
async function deliverLatencies(publisher: Bus, events: number, receiver: { ready: Promise<void>; arrivals: Promise<Map<string, number>> }): Promise<number[]> {
  await receiver.ready;
  const sentAt = new Map<string, number>();
  for (let i = 0; i < events; i++) {
    const e = feedbackEvent();
    sentAt.set(e.id, clock());
    await publisher.publish(e);
    if (i % 10 === 9) await sleep(10);
  }
  const arrivals = await receiver.arrivals;
  return [...arrivals].flatMap(([id, at]) => (sentAt.has(id) ? [at - sentAt.get(id)!] : []));
}

function inProcessReceiver(bus: Bus, events: number): { ready: Promise<void>; arrivals: Promise<Map<string, number>> } {
  let ready!: () => void;
  const readyP = new Promise<void>((r) => { ready = r; });
  return { ready: readyP, arrivals: receive(bus, events, ready) };
}

/** The receiver in a child process on the same embedded file: it finds events by polling (pollMs). */
function childReceiver(file: string, events: number): { ready: Promise<void>; arrivals: Promise<Map<string, number>> } {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--receive', file, String(events)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let ready!: () => void;
  const readyP = new Promise<void>((r) => { ready = r; });
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.startsWith('ready\n')) ready(); });
  const arrivals = new Promise<Map<string, number>>((resolve, reject) => child.on('close', (code) => {
    if (code !== 0) { reject(new Error(`the receiving process exited with ${String(code)}`)); return; }
    resolve(new Map(JSON.parse(out.slice('ready\n'.length)) as Array<[string, number]>));
  }));
  return { ready: readyP, arrivals };
}

async function measureAdapter(name: string, makeBus: (round: number) => BenchBus, o: Required<Omit<BusBenchOptions, 'natsUrl'>>): Promise<BusBenchResult> {
  const result: BusBenchResult = { adapter: name, events: o.events, publishPerSecond: [], pipelinedPerSecond: [], p50Ms: [], p99Ms: [], crossProcessP50Ms: [], crossProcessP99Ms: [] };
  for (let r = 0; r < o.rounds; r++) {
    const place = makeBus(r);
    const publisher = await place.open();
    const subscriber = await place.open();
    try {
      await publishRate(publisher, 200, 1); // warm-up: connections, statements, stream files
      result.publishPerSecond.push(await publishRate(publisher, o.events, 1));
      result.pipelinedPerSecond.push(await publishRate(publisher, o.events, 64));
      const n = Math.round(o.events * 0.4);
      const lat = await deliverLatencies(publisher, n, inProcessReceiver(subscriber, n));
      result.p50Ms.push(quantile(lat, 0.5));
      result.p99Ms.push(quantile(lat, 0.99));
      if (place.file !== undefined) {
        const cross = await deliverLatencies(publisher, n, childReceiver(place.file, n));
        result.crossProcessP50Ms.push(quantile(cross, 0.5));
        result.crossProcessP99Ms.push(quantile(cross, 0.99));
        o.log(`bus ${name} round ${r + 1}: to another process p50 ${result.crossProcessP50Ms.at(-1)!.toFixed(2)} ms, p99 ${result.crossProcessP99Ms.at(-1)!.toFixed(2)} ms over ${cross.length} events`);
      }
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
  return { file, open: async () => new SqliteBus(file), dispose: async () => rmSync(dir, { recursive: true, force: true }) };
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
    ...(r.crossProcessP99Ms.length === 0 ? [] : [
      [`${r.adapter}: publish-to-deliver, another process, p50 (ms)`, median(r.crossProcessP50Ms).toFixed(2), spread(r.crossProcessP50Ms, 2)],
      [`${r.adapter}: publish-to-deliver, another process, p99 (ms)`, median(r.crossProcessP99Ms).toFixed(2), spread(r.crossProcessP99Ms, 2)],
    ]),
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

/** The receiving child of childReceiver: `node dist/bench/bus.js --receive FILE EVENTS`. */
async function receiveMain(file: string, events: number): Promise<void> {
  const bus = new SqliteBus(file);
  const arrivals = await receive(bus, events, () => process.stdout.write('ready\n'));
  await bus.close();
  process.stdout.write(JSON.stringify([...arrivals]));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [flag, file, events] = process.argv.slice(2);
  (flag === '--receive' ? receiveMain(file!, Number(events)) : main()).catch((e: unknown) => { console.error(e); process.exitCode = 1; });
}
