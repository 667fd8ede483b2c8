/**
 * bench:stream: `lading stream` end to end on NATS JetStream (inputs stored → classified → result
 * stored and input acked), HS4 offers, fasttext and linear, 1 and 2 workers, beside the raw ceiling
 * of the same design with no classification, in interleaved rounds on one machine (the NATS server
 * shares its cores). Also the time from publish to stored result at half the measured rate.
 *
 * Env: LADING_BENCH_NATS_URL (default LADING_TEST_NATS_URL, else nats://127.0.0.1:4222),
 * LADING_BENCH_ROUNDS (3), LADING_BENCH_STREAM_INPUTS (200000), LADING_BENCH_KINDS (fasttext,linear),
 * LADING_BENCH_STREAM_ARGS, LADING_BENCH_STREAM_NODE_ARGS, LADING_BENCH_STREAM_ONLY (see below).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { table } from '../src/cli/output.js';
import { readLabelledFile } from '../src/data/read-labelled-file.js';
import { machine, writeResult } from './machine.js';
import { ceiling, deleteRunStreams, fill, followConsumer, makeRunStreams, openNats, readResults, type Nats, type RunStreams } from './stream-nats.js';
import { BIN, CACHE, DATA, log, processCpuUs, trainIfMissing } from './wrk-driver.js';

const URL = process.env['LADING_BENCH_NATS_URL'] ?? process.env['LADING_TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const ROUNDS = Math.max(1, Number(process.env['LADING_BENCH_ROUNDS'] ?? '3'));
const INPUTS = Number(process.env['LADING_BENCH_STREAM_INPUTS'] ?? '200000');
const KINDS = (process.env['LADING_BENCH_KINDS'] ?? 'fasttext,linear').split(',').filter((k) => k.length > 0);
/** The anchor: 500 million offers a day. */
const ANCHOR = 500e6 / 86_400;
const MINIMUM = 20_000;
/** Seconds of paced traffic for the latency figures. */
const PACED_SECONDS = 8;
/** More `lading stream` flags for every worker (e.g. "--batch 512 --concurrency 4"), to explore. */
const EXTRA = (process.env['LADING_BENCH_STREAM_ARGS'] ?? '').split(' ').filter((a) => a.length > 0);
/** Node flags for every worker (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"), to see where a worker's time goes. */
const NODE_ARGS = (process.env['LADING_BENCH_STREAM_NODE_ARGS'] ?? '').split(' ').filter((a) => a.length > 0);
/** Only the configurations whose names contain one of these (separated by |), to explore one part; the ratios need all. */
const ONLY = (process.env['LADING_BENCH_STREAM_ONLY'] ?? '').split('|').filter((a) => a.length > 0);

interface Config { name: string; kind?: string; workers?: number; perBatch?: boolean; ackEach?: boolean; ceiling?: 'each' | 'fence' | 'batch' }
interface Run {
  config: string; round: number; offersPerSecond: number; maxLag: number;
  /** CPU µs per offer of the workers (or, for a ceiling, this process) and of the NATS server, from /proc; undefined off Linux. */
  workerCpuUs?: number | undefined; natsCpuUs?: number | undefined;
  p50Ms?: number; p99Ms?: number; pacedRate?: number; lag?: Array<[number, number]> }

const median = (xs: readonly number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

function configs(): Config[] {
  const c: Config[] = [
    { name: 'ceiling: a message per input, one fence per batch', ceiling: 'fence' },
    { name: 'ceiling: a message per input, each acknowledged', ceiling: 'each' },
    { name: 'ceiling: one message per batch', ceiling: 'batch' },
  ];
  for (const kind of KINDS) {
    c.push({ name: `${kind}, 1 worker`, kind, workers: 1 }, { name: `${kind}, 2 workers`, kind, workers: 2 });
  }
  if (KINDS.includes('fasttext')) {
    c.push({ name: 'fasttext, 1 worker, --ack-each-result', kind: 'fasttext', workers: 1, ackEach: true });
    c.push({ name: 'fasttext, 1 worker, --results-per-batch', kind: 'fasttext', workers: 1, perBatch: true });
  }
  return ONLY.length === 0 ? c : c.filter((x) => ONLY.some((o) => x.name.includes(o)));
}

/** Workers alive now, so that an interrupted run stops them and deletes its streams. */
const live = new Set<ChildProcess>();

/** The pid of the oldest process running `name` (the NATS server on this machine), or undefined. */
function pidOf(name: string): number | undefined {
  try {
    const out = execFileSync('pgrep', ['-o', '-x', name], { encoding: 'utf8' }).trim();
    return out.length > 0 ? Number(out) : undefined;
  } catch {
    return undefined;
  }
}

async function startWorker(model: string, s: RunStreams, threads: number, extra: readonly string[]): Promise<ChildProcess> {
  const home = mkdtempSync(join(tmpdir(), 'lading-bench-stream-'));
  const child = spawn(process.execPath, [...NODE_ARGS, BIN, 'stream', '--model', model, '--name', 'hs', '--from', s.input, '--to', s.outSubject, '--consumer', 'bench',
    '--home', home, '--workers', String(threads), '--stream-url', URL, '--json', ...EXTRA, ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('}')) resolve(); });
    child.on('exit', (code) => reject(new Error(`lading stream exited ${code}`)));
  });
  return child;
}

async function stopWorkers(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(children.map((c) => new Promise<void>((resolve) => { c.removeAllListeners('exit'); c.on('exit', () => resolve()); c.kill('SIGTERM'); })));
}

/** Publishes at `rate` offers/s for PACED_SECONDS (ids carry their publish time) and returns publish→stored-result quantiles. */
async function paced(n: Nats, s: RunStreams, texts: readonly string[], rate: number, already: number): Promise<{ p50: number; p99: number }> {
  const total = Math.round(rate * PACED_SECONDS);
  const t0 = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
    for (; sent < due; sent++) n.nc.publish(s.inSubject, JSON.stringify({ id: `L${sent}-${Date.now()}`, text: texts[sent % texts.length] }));
    await n.nc.flush();
    await new Promise((r) => setTimeout(r, 5));
  }
  await followConsumer(n, s.input, 'bench', already + total);
  const lat = (await readResults(n, s)).filter((r) => r.id.startsWith('L')).map((r) => r.storedMs - Number(r.id.slice(r.id.indexOf('-') + 1))).sort((a, b) => a - b);
  return { p50: quantile(lat, 0.5), p99: quantile(lat, 0.99) };
}

async function runOne(n: Nats, config: Config, round: number, texts: readonly string[], models: Record<string, string>): Promise<Run> {
  const tag = `b${process.pid}_${round}_${Math.random().toString(36).slice(2, 8)}`;
  const s = await makeRunStreams(n, tag, true);
  try {
    const bodies = Array.from({ length: INPUTS }, (_, i) => JSON.stringify({ id: String(i), text: texts[i % texts.length] }));
    await fill(n, s, bodies);
    const nats = pidOf('nats-server');
    const perOffer = (before: number, after: number) => (Number.isFinite(after - before) ? (after - before) / INPUTS : undefined);
    if (config.ceiling) {
      const t0 = performance.now();
      const [self0, nats0] = [process.cpuUsage(), processCpuUs(nats)];
      await ceiling(n, s, 'bench', config.ceiling, INPUTS);
      const self = process.cpuUsage(self0);
      return { config: config.name, round, offersPerSecond: INPUTS / ((performance.now() - t0) / 1000), maxLag: INPUTS,
        workerCpuUs: (self.user + self.system) / INPUTS, natsCpuUs: perOffer(nats0, processCpuUs(nats)) };
    }
    const workers = config.workers ?? 1;
    const threads = Math.max(1, Math.floor(availableParallelism() / workers));
    const children: ChildProcess[] = [];
    try {
      for (let w = 0; w < workers; w++) children.push(await startWorker(models[config.kind!]!, s, threads, [...(config.perBatch ? ['--results-per-batch'] : []), ...(config.ackEach ? ['--ack-each-result'] : [])]));
      // From ready to the last input acked: the workers' start-up (model load) is not counted.
      const workersCpu = () => children.reduce((sum, c) => sum + processCpuUs(c.pid), 0);
      const [workers0, nats0] = [workersCpu(), processCpuUs(nats)];
      const p = await followConsumer(n, s.input, 'bench', INPUTS);
      const rate = INPUTS / (p.busyMs / 1000);
      const run: Run = { config: config.name, round, offersPerSecond: rate, maxLag: Math.max(...p.lag.map(([, l]) => l)), lag: p.lag,
        workerCpuUs: perOffer(workers0, workersCpu()), natsCpuUs: perOffer(nats0, processCpuUs(nats)) };
      if (workers === 1 && config.perBatch !== true && config.ackEach !== true) {
        const pacedRate = Math.round(rate / 2);
        const l = await paced(n, s, texts, pacedRate, INPUTS);
        Object.assign(run, { p50Ms: l.p50, p99Ms: l.p99, pacedRate });
      }
      return run;
    } finally {
      await stopWorkers(children);
    }
  } finally {
    await deleteRunStreams(n, tag);
  }
}

async function main(): Promise<void> {
  mkdirSync(CACHE, { recursive: true });
  const texts = (await readLabelledFile(DATA, { text: 'text', labels: ['label_4'] })).texts.slice(-10_000);
  const models: Record<string, string> = {};
  for (const kind of KINDS) models[kind] = trainIfMissing(kind);
  const n = await openNats(URL);
  const runs: Run[] = [];
  // Ctrl-C or a kill leaves no workers running and no 200,000-message streams in the server.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping workers and deleting this run's streams...`);
      for (const c of live) c.kill('SIGTERM');
      void deleteRunStreams(n, `b${process.pid}_`).finally(() => process.exit(130));
    });
  }
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const c of configs()) {
        log(`round ${round}/${ROUNDS}: ${c.name}...`);
        const r = await runOne(n, c, round, texts, models);
        log(`  ${Math.round(r.offersPerSecond)} offers/s, CPU µs/offer: workers ${r.workerCpuUs?.toFixed(1) ?? '-'}, NATS ${r.natsCpuUs?.toFixed(1) ?? '-'}${r.p99Ms !== undefined ? `; at ${r.pacedRate}/s publish→result p50 ${r.p50Ms!.toFixed(1)} ms, p99 ${r.p99Ms!.toFixed(1)} ms` : ''}`);
        runs.push(r);
      }
    }
  } finally {
    await n.nc.close();
  }
  const m = machine();
  const by = (name: string) => runs.filter((r) => r.config === name);
  const rate = (name: string) => median(by(name).map((r) => r.offersPerSecond));
  const spread = (name: string) => { const xs = by(name).map((r) => r.offersPerSecond); return `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`; };
  const rows = configs().map((c) => {
    const rs = by(c.name);
    const p99 = rs.filter((r) => r.p99Ms !== undefined).map((r) => r.p99Ms!);
    const p50 = rs.filter((r) => r.p50Ms !== undefined).map((r) => r.p50Ms!);
    const cpu = (pick: (r: Run) => number | undefined) => { const xs = rs.map(pick).filter((x): x is number => x !== undefined); return xs.length ? median(xs).toFixed(1) : '-'; };
    return [c.name, Math.round(rate(c.name)), spread(c.name), Math.round(median(rs.map((r) => r.maxLag))), p50.length ? median(p50).toFixed(1) : '-', p99.length ? median(p99).toFixed(1) : '-',
      cpu((r) => r.workerCpuUs), cpu((r) => r.natsCpuUs)];
  });
  const fenceCeiling = rate('ceiling: a message per input, one fence per batch');
  const eachCeiling = rate('ceiling: a message per input, each acknowledged');
  const batchCeiling = rate('ceiling: one message per batch');
  const ratios: Array<Array<string | number>> = [];
  if (KINDS.includes('fasttext')) {
    const one = rate('fasttext, 1 worker');
    const best = Math.max(one, rate('fasttext, 2 workers'));
    const batched = rate('fasttext, 1 worker, --results-per-batch');
    const each = rate('fasttext, 1 worker, --ack-each-result');
    ratios.push(
      ['fasttext, 1 worker / minimum 20,000 offers/s', (one / MINIMUM).toFixed(2), '≥ 1'],
      ['fasttext, best of 1 and 2 workers / its ceiling (fence per batch)', (best / fenceCeiling).toFixed(2), '≥ 0.5'],
      ['fasttext, --ack-each-result / its ceiling', (each / eachCeiling).toFixed(2), ''],
      ['fasttext, --results-per-batch / its ceiling', (batched / batchCeiling).toFixed(2), ''],
      ['fasttext, 1 worker / the anchor (500M offers a day = 5,787/s)', (one / ANCHOR).toFixed(2), ''],
    );
  }
  process.stdout.write(`\nStream benchmark — ${m.cpu}, ${m.cores} cores, ${m.node}, load average ${m.loadAverage1m}; workers, NATS server and this process share the machine\n`);
  process.stdout.write(`command: npm run bench:stream; data: ${INPUTS.toLocaleString('en')} offers per run from the last 10,000 rows of ${DATA} (JSON {"id","text"}), ${ROUNDS} interleaved rounds; NATS ${URL}, file storage\n`);
  process.stdout.write(`offers/s: from the first input acked to the last (stored result, acked input); lag: inputs not yet acked; publish→result at half the measured rate for ${PACED_SECONDS} s (1 worker)\n\n`);
  process.stdout.write(`${table(['configuration', 'offers/s (median)', 'spread', 'max lag', 'p50 ms', 'p99 ms', 'CPU µs/offer: lading (ceiling: this process)', 'NATS server'], rows)}\n\n`);
  if (ratios.length > 0) process.stdout.write(`${table(['ratio', 'value', 'target'], ratios)}\n\n`);
  // Consumer lag over time of the last round's workers: inputs not yet acked, every second.
  for (const r of runs.filter((x) => x.round === ROUNDS && x.lag !== undefined)) {
    const perSecond = r.lag!.filter(([ms], i, all) => i === 0 || Math.floor(ms / 1000) !== Math.floor(all[i - 1]![0] / 1000)).map(([ms, left]) => `${Math.round(ms / 1000)}s ${left}`);
    process.stdout.write(`lag, ${r.config}: ${perSecond.join(', ')}\n`);
  }
  const path = writeResult('stream', { machine: m, url: URL, inputs: INPUTS, rounds: ROUNDS, runs, ratios });
  process.stdout.write(`wrote ${path}\n`);
}

await main();
